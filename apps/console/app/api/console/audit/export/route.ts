import { exportAudit } from '../../../../../src/console/audit-export.js';

export const dynamic = 'force-dynamic';

export const GET = exportAudit;
