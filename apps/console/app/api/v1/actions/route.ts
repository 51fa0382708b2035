import { postAction } from '../../../../src/api/handlers/post-action.js';
import { nextRoute } from '../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = nextRoute(postAction);
