import { randomUUID } from 'node:crypto';
import { appendAuditIn, inTransaction, type AuditEventInput } from '@airlock/db';
import type pg from 'pg';
import { closureEvent, decisionEvent, type DecisionRecord, type RoundClosure } from './approval.js';
import type { ActivityDeps } from './deps.js';
import { reached } from './kill-points.js';

/**
 * A round settled as approved by decisions Temporal accepted but nobody wrote yet:
 * the workflow hands them to the run they let start (workflows/src/approval.ts,
 * `decision-recorded-by-run`), so a decision reaches the tool without a workflow
 * task in between. Only plain approvals (no edit, nothing remembered) travel this way.
 */
export interface SettledRound {
  decisions: DecisionRecord[];
  close: RoundClosure;
}

/**
 * Writes the decisions and the round's closing inside the caller's transaction and
 * returns their audit rows, to append with the caller's own (the run's re-check and
 * claim commit with them): every decision is recorded before it takes effect.
 * Idempotent: a retry, or the workflow's own fallback, writes nothing twice.
 */
export async function writeSettledRoundIn(deps: Pick<ActivityDeps, 'killPoint'>, client: pg.PoolClient, settled: SettledRound): Promise<AuditEventInput[]> {
  const { decisions, close } = settled;
  for (const { approvalId, argsHash, decision } of decisions) {
    await client.query(
      `INSERT INTO approval_decisions (id, approval_id, user_id, channel, decision, comment, feedback, args_hash, decided_at)
       VALUES ($1, $2, $3, $4::"Channel", $5::"DecisionKind", $6, $7, $8, $9)
       ON CONFLICT (approval_id, user_id) DO NOTHING`,
      [
        randomUUID(),
        approvalId,
        decision.approverId,
        decision.channel,
        decision.decision,
        decision.comment ?? null,
        decision.feedback ?? null,
        argsHash,
        new Date(decision.decidedAt),
      ],
    );
  }
  reached(deps, 'decision.between-writes');
  reached(deps, 'close.before-write');
  await client.query(`UPDATE approvals SET status = $2::"ApprovalStatus", closed_at = now() WHERE id = $1 AND status = 'open'`, [close.approvalId, close.closure]);
  return [...decisions.map(decisionEvent), closureEvent(close)];
}

/** The same in a commit of its own, with `also` appended after (a re-check that refused the run). */
export async function recordSettledRound(deps: Pick<ActivityDeps, 'db' | 'killPoint'>, settled: SettledRound, also: AuditEventInput[] = []): Promise<void> {
  reached(deps, 'decision.before-write');
  await inTransaction(deps.db, async (client) => appendAuditIn(client, ...(await writeSettledRoundIn(deps, client, settled)), ...also));
  reached(deps, 'decision.after-write');
  reached(deps, 'close.after-write');
}
