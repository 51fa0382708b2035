import { getAuditVerification } from '../../../../../src/server/handlers/verify-audit.js';
import { nextRoute } from '../../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getAuditVerification);
