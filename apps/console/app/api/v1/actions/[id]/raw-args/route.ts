import { postRawArgs } from '../../../../../../src/api/handlers/post-raw-args.js';
import { nextRouteWithId } from '../../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = nextRouteWithId(postRawArgs);
