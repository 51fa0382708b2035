import { exportAudit } from '../../../../../src/ui/audit/export.js';

export const dynamic = 'force-dynamic';

export const GET = exportAudit;
