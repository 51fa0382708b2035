import { getAuditVerification } from '../../../../../src/api/handlers/verify-audit.js';
import { methodsNotAllowed, nextRoute } from '../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getAuditVerification);
export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed({ GET });
