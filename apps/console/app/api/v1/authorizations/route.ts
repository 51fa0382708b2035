import { postAuthorization } from '../../../../src/server/handlers/post-authorization.js';
import { nextRoute } from '../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = nextRoute(postAuthorization);
