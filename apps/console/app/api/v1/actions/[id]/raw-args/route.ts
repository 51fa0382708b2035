import { postRawArgs } from '../../../../../../src/server/handlers/post-raw-args.js';
import { nextRouteWithId } from '../../../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = nextRouteWithId(postRawArgs);
