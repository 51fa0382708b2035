import type { AuditEventInput } from '@airlock/db';

export interface UncataloguedRow {
  eventKey: string;
  actionId?: string | null;
  type: string;
  actor: string;
  payload: unknown;
}

/**
 * A row outside the audit event catalogue, as an older version, a type removed
 * since or a foreign writer could have left it. The chain, the exports and the
 * verifiers must carry any row, so their tests append such rows on purpose;
 * product code cannot (`appendAudit` takes only catalogued events), and readers
 * parse them to the `legacy` variant.
 */
export function uncatalogued(row: UncataloguedRow): AuditEventInput {
  return row as AuditEventInput;
}
