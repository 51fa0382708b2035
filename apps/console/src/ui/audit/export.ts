import { apiContext } from '../../api/runtime-context.js';
import { CSV_COLUMNS, csvLine, jsonLine } from './export-format.js';
import { auditConditions, queryAuditEvents } from './conditions.js';
import { AuditFilters } from './query.js';
import { signedInUser } from '../auth/session.js';

const BATCH = 1_000;

/**
 * GET /api/console/audit/export?format=csv|jsonl&(filters): the filtered log in
 * seq order, streamed in keyset batches so memory stays flat at a million rows.
 * The first batch is read before answering: a query the database refuses is an
 * error status, not a 200 whose download breaks off.
 */
export async function exportAudit(request: Request): Promise<Response> {
  if (!(await signedInUser())) return new Response('Sign in to export the audit log.', { status: 401 });
  const params = new URL(request.url).searchParams;
  const format = params.get('format') === 'csv' ? 'csv' : 'jsonl';
  const { before: _cursor, ...filters } = AuditFilters.parse(Object.fromEntries(params));
  const { db } = apiContext();
  const batchAfter = (after: bigint) => {
    const { where, params } = auditConditions(filters, { after: after.toString() });
    return queryAuditEvents(db, `SELECT {columns} FROM audit_events ${where} ORDER BY seq ASC LIMIT ${BATCH}`, params);
  };
  const encoder = new TextEncoder();
  let rows = await batchAfter(0n);
  let first = true;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (first && format === 'csv') controller.enqueue(encoder.encode(`${CSV_COLUMNS.join(',')}\n`));
      if (!first) rows = await batchAfter(rows[rows.length - 1]!.seq);
      first = false;
      if (rows.length > 0) controller.enqueue(encoder.encode(rows.map(format === 'csv' ? csvLine : jsonLine).join('')));
      if (rows.length < BATCH) controller.close();
    },
  });
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return new Response(stream, {
    headers: {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="airlock-audit-${stamp}.${format}"`,
      'cache-control': 'no-store',
    },
  });
}
