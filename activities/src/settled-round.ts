import { randomUUID } from 'node:crypto';
import { inlineParams, type AuditEventInput } from '@airlock/db';
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
 * The decisions and the round's closing as statements (values inlined), with
 * their audit rows: to send in the caller's transaction, whose append follows
 * (the run's re-check and claim commit with them): every decision is recorded
 * before it takes effect. Idempotent: a retry, or the workflow's own fallback,
 * writes nothing twice. Nothing here is sent, so the caller reaches the kill
 * points around these writes (decision.before-write, decision.between-writes,
 * close.before-write, close.between-writes) before it sends them.
 */
export function settledRoundWrites(settled: SettledRound): { statements: string[]; events: AuditEventInput[] } {
  const { decisions, close } = settled;
  const statements = decisions.map(({ approvalId, argsHash, decision }) =>
    inlineParams(
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
    ),
  );
  statements.push(inlineParams(`UPDATE approvals SET status = $2::"ApprovalStatus", closed_at = now() WHERE id = $1 AND status = 'open'`, [close.approvalId, close.closure]));
  return { statements, events: [...decisions.map(decisionEvent), closureEvent(close)] };
}

/** The kill points of a settled round's writes, reached before they are sent (nothing of them commits before). */
export function reachSettledRoundWrites(deps: Pick<ActivityDeps, 'killPoint'>): void {
  reached(deps, 'decision.before-write');
  reached(deps, 'decision.between-writes');
  reached(deps, 'close.before-write');
  reached(deps, 'close.between-writes');
}
