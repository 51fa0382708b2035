import type { RoundSettlement } from '@airlock/core';
import { DecisionRejectedError } from '@airlock/core/gateway';
import type { Db } from '@airlock/db';

/** How long a refused decision waits for the round that closed on it to reach the database (its closing write is in flight). */
const CLOSING_WRITE_WAIT_MS = 2_000;

/** A person as approvers know them: "Dana Lee (dana@example.com)"; the id when the user row is gone. */
export function personLabel(userId: string, user: { name: string; email: string } | null | undefined): string {
  if (!user) return userId;
  return user.name.trim() ? `${user.name} (${user.email})` : user.email;
}

/** "a", "a and b", "a, b and c". */
function listed(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

interface ClosedRound {
  status: 'open' | 'approved' | 'denied' | 'expired' | 'cancelled';
  decisions: { userId: string; decision: 'approve' | 'deny'; user: { name: string; email: string } | null }[];
}

/**
 * Who closed the action's latest round and how, from its recorded decisions:
 * "this action was already approved by Dana Lee (dana@example.com)"; while its
 * closing write is in flight, from the workflow's `settled` decisions. Undefined
 * while the round is still open (the refused person decided it already, or the
 * closing write did not land in time): the workflow's own words stand then.
 */
export async function closedRoundReason(db: Db, actionId: string, approverId: string, untilMs: number, settled?: RoundSettlement): Promise<string | undefined> {
  const stopAt = Math.min(untilMs, Date.now() + CLOSING_WRITE_WAIT_MS);
  for (let pauseMs = 5; ; pauseMs = Math.min(pauseMs * 2, 100)) {
    const latest = await latestRound(db, actionId);
    if (!latest) return undefined;
    const { round, outcome } = latest;
    if (round.status !== 'open') return describeClosing(round, outcome);
    // The workflow's decisions settled it and its closing write is still in flight: say who, from them.
    if (settled) return describeClosing(await settledRound(db, settled), outcome);
    // Their own decision is what closed it to them: nothing to wait for.
    if (round.decisions.some((d) => d.userId === approverId) || Date.now() + pauseMs > stopAt) return undefined;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

interface LatestRoundRow {
  outcome: unknown;
  status: ClosedRound['status'];
  decisions: { userId: string; decision: 'approve' | 'deny'; name: string | null; email: string | null }[];
}

/**
 * The action's outcome and its latest round with the decisions made in it, in the order they were
 * made; undefined without the action or a round. One statement, so the round's status and its
 * decisions are read from one snapshot. Plain SQL, not Prisma: a Prisma query starts its WASM query
 * compiler (about 0.5 s of CPU), which `airlock approve` and `deny` would pay on this path alone.
 */
async function latestRound(db: Db, actionId: string): Promise<{ round: ClosedRound; outcome: unknown } | undefined> {
  const { rows } = await db.pool.query<LatestRoundRow>(
    `SELECT a.outcome, ap.status,
            (SELECT coalesce(json_agg(json_build_object('userId', d.user_id, 'decision', d.decision, 'name', u.name, 'email', u.email) ORDER BY d.decided_at, d.id), '[]')
               FROM approval_decisions d LEFT JOIN users u ON u.id = d.user_id
              WHERE d.approval_id = ap.id) AS decisions
       FROM actions a
       JOIN LATERAL (SELECT id, status FROM approvals WHERE action_id = a.id ORDER BY round DESC LIMIT 1) ap ON true
      WHERE a.id = $1`,
    [actionId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const decisions = row.decisions.map(({ userId, decision, name, email }) => ({
    userId,
    decision,
    user: name === null || email === null ? null : { name, email },
  }));
  return { round: { status: row.status, decisions }, outcome: row.outcome };
}

/** The round as the workflow's settlement has it, with the deciders' names from their user rows. */
async function settledRound(db: Db, settled: RoundSettlement): Promise<ClosedRound> {
  const { rows: users } = await db.pool.query<{ id: string; name: string; email: string }>('SELECT id, name, email FROM users WHERE id = ANY($1::text[])', [settled.by]);
  const decision = settled.closure === 'approved' ? 'approve' : 'deny';
  return {
    status: settled.closure,
    decisions: settled.by.map((userId) => ({ userId, decision, user: users.find((u) => u.id === userId) ?? null })),
  };
}

function describeClosing(round: ClosedRound, outcome: unknown): string {
  const by = (kind: 'approve' | 'deny') => listed(round.decisions.filter((d) => d.decision === kind).map((d) => personLabel(d.userId, d.user)));
  switch (round.status) {
    case 'approved': {
      const approvers = by('approve');
      return approvers ? `this action was already approved by ${approvers}` : 'this action was already approved';
    }
    case 'denied': {
      const deniers = by('deny');
      return deniers ? `this action was already denied by ${deniers}` : 'this action was already denied';
    }
    case 'expired':
      return 'this approval already closed: its deadline passed without a decision';
    case 'cancelled': {
      const reason = outcome !== null && typeof outcome === 'object' && 'reason' in outcome && typeof outcome.reason === 'string' ? outcome.reason : undefined;
      return reason ? `this action was already cancelled: ${reason}` : 'this action was already cancelled';
    }
    case 'open':
      throw new Error('an open round has no closing to describe');
  }
}

/**
 * A refusal because the round took no more decisions, told with who closed it and how;
 * any other error as it was. Every channel shows this message, so it is said once, here.
 */
export async function explainRefusal(db: Db, actionId: string, approverId: string, error: unknown, untilMs: number): Promise<unknown> {
  if (!(error instanceof DecisionRejectedError) || !error.closed) return error;
  const reason = await closedRoundReason(db, actionId, approverId, untilMs, error.settled);
  return reason ? new DecisionRejectedError(reason, true) : error;
}
