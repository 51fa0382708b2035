import { getAudit } from '../../../../src/api/handlers/list-audit.js';
import { methodsNotAllowed, nextRoute } from '../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getAudit);
export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed({ GET });
