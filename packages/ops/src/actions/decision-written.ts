import type { Db } from '@airlock/db';

/**
 * A plain approval that settles its round is written by the run it lets start, a
 * few milliseconds after Temporal accepted it (workflows/src/approval.ts,
 * `decision-recorded-by-run`): the tool is not held back by a second workflow
 * task. The person deciding is: `decide` answers once their decision is stored,
 * so what they see next (the console's page, Slack's message, a GET) shows it.
 * Bounded by the decision's wait; past it the decision stands (Temporal holds
 * it, and the run writes it when it starts).
 */
export async function awaitDecisionWritten(db: Db, actionId: string, approverId: string, untilMs: number): Promise<void> {
  for (let pauseMs = 2; ; pauseMs = Math.min(pauseMs * 2, 50)) {
    const { rows } = await db.pool.query<{ written: boolean }>(
      `SELECT EXISTS (
         SELECT 1 FROM approval_decisions d JOIN approvals a ON a.id = d.approval_id
         WHERE a.action_id = $1 AND d.user_id = $2 AND a.round = (SELECT max(round) FROM approvals WHERE action_id = $1)
       ) AS written`,
      [actionId, approverId],
    );
    if (rows[0]?.written || Date.now() + pauseMs > untilMs) return;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}
