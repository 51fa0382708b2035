import type { Db } from '@airlock/db';

export interface PendingApproval {
  actionId: string;
  agentId: string;
  tool: string;
  riskTier: string | null;
  argsHash: string;
  rationale: string;
  round: number;
  approvalsSoFar: number;
  requiredApprovals: number;
  approverRole: string;
  deadline: Date | null;
  createdAt: Date;
}

interface PendingRow {
  action_id: string;
  agent_id: string;
  tool: string;
  risk_tier: string | null;
  args_hash: string;
  rationale: string;
  round: number;
  approvals_so_far: number;
  required_approvals: number;
  approver_role: string;
  deadline: Date | null;
  created_at: Date;
}

/**
 * Approvals waiting for a decision, nearest deadline first, then oldest first; rounds that tie on
 * both (the same millisecond) by action id, then round, so every run lists them in one order (a
 * read: no audit row). Plain SQL, not Prisma: a Prisma query starts its WASM query compiler (about
 * 0.5 s of CPU), which `airlock pending` would pay on every run.
 */
export async function listPending(db: Db, limit = 50): Promise<PendingApproval[]> {
  const { rows } = await db.pool.query<PendingRow>(
    `SELECT ap.action_id, a.agent_id, a.tool, a.risk_tier, ap.args_hash, a.rationale, ap.round,
            (SELECT count(*)::int FROM approval_decisions d WHERE d.approval_id = ap.id AND d.decision = 'approve') AS approvals_so_far,
            ap.required_approvals, ap.approver_role, ap.deadline, ap.created_at
       FROM approvals ap JOIN actions a ON a.id = ap.action_id
      WHERE ap.status = 'open'
      ORDER BY ap.deadline ASC NULLS LAST, ap.created_at ASC, ap.action_id ASC, ap.round ASC
      LIMIT $1`,
    [limit],
  );
  return rows.map((row) => ({
    actionId: row.action_id,
    agentId: row.agent_id,
    tool: row.tool,
    riskTier: row.risk_tier,
    argsHash: row.args_hash,
    rationale: row.rationale,
    round: row.round,
    approvalsSoFar: row.approvals_so_far,
    requiredApprovals: row.required_approvals,
    approverRole: row.approver_role,
    deadline: row.deadline,
    createdAt: row.created_at,
  }));
}

/**
 * The arguments hash of the action's open round, the one `pending` shows: what a decision binds to
 * when its maker names none. Undefined when no round is open. Plain SQL, as listPending.
 */
export async function openRoundArgsHash(db: Db, actionId: string): Promise<string | undefined> {
  const { rows } = await db.pool.query<{ args_hash: string }>(`SELECT args_hash FROM approvals WHERE action_id = $1 AND status = 'open' ORDER BY round DESC LIMIT 1`, [actionId]);
  return rows[0]?.args_hash;
}
