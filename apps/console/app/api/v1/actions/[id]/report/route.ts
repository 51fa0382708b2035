import { postReport } from '../../../../../../src/api/handlers/post-report.js';
import { methodsNotAllowed, nextRouteWithId } from '../../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = nextRouteWithId(postReport);
export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed({ POST });
