import { randomUUID } from 'node:crypto';
import type { AuditPayloadInput } from '@airlock/core';
import { z } from 'zod';
import type pg from 'pg';
import type { Prisma, StandingApproval, Role } from '../../generated/client.js';
import type { Db } from '../client.js';
import { Target, Text } from './scope.js';
import { inSavepoint, inTransaction, rollbackWith, sqlState } from './transaction.js';

export type { StandingApproval };

export const StandingApprovalGrant = z
  .object({
    agentId: Target,
    tool: Target,
    /** CEL over `args`, stored exactly as written; the policy layer compiles and checks it. */
    condition: z.string().refine((c) => c.trim() !== '', 'must not be empty'),
    reason: Text,
    grantedBy: Text,
    validFrom: z.date().optional(),
    validUntil: z.date(),
    maxUses: z.number().int().positive(),
  })
  .refine((g) => g.validUntil.getTime() > (g.validFrom ?? new Date()).getTime(), {
    message: 'must be after validFrom (default: now)',
    path: ['validUntil'],
  });
export type StandingApprovalGrant = z.input<typeof StandingApprovalGrant>;

/** A human pre-approves one agent's use of one tool, within a time window and a number of uses. */
export async function grantStandingApproval(db: Db, input: StandingApprovalGrant): Promise<StandingApproval> {
  const grant = StandingApprovalGrant.parse(input);
  return db.prisma.standingApproval.create({
    data: { id: randomUUID(), ...grant, validFrom: grant.validFrom ?? new Date() },
  });
}

export const StandingApprovalRevocation = z.object({ id: Target, revokedBy: Text });
export type StandingApprovalRevocation = z.input<typeof StandingApprovalRevocation>;

/**
 * Immediate: every check filters on revoked_at, so no use can start after this
 * returns. Idempotent: only the first revocation is recorded. Returns whether
 * the grant was usable (unrevoked, in its window, uses left) until now.
 */
export async function revokeStandingApproval(db: Db, input: StandingApprovalRevocation): Promise<boolean> {
  const { id, revokedBy } = StandingApprovalRevocation.parse(input);
  const { rows } = await db.pool.query<{ was_active: boolean }>(
    `UPDATE standing_approvals SET revoked_at = $3, revoked_by = $2
      WHERE id = $1 AND revoked_at IS NULL
      RETURNING valid_from <= $3 AND valid_until > $3 AND uses < max_uses AS was_active`,
    [id, revokedBy, new Date()],
  );
  return rows[0]?.was_active ?? false;
}

/** The Prisma filter for grants usable at `at`; mirrors the conditional UPDATE in consumeStandingApproval (and listStandingApprovals' `activeAt`). */
function usableAt(db: Db, at: Date): Prisma.StandingApprovalWhereInput {
  return {
    revokedAt: null,
    validFrom: { lte: at },
    validUntil: { gt: at },
    uses: { lt: db.prisma.standingApproval.fields.maxUses },
  };
}

export const StandingApprovalFilter = z.object({ agentId: Target.optional(), activeAt: z.date().optional() });
export type StandingApprovalFilter = z.input<typeof StandingApprovalFilter>;

/**
 * Newest first; `activeAt` keeps the grants usable then (as usableAt). Plain SQL, not
 * Prisma: a Prisma query starts its WASM query compiler (about 0.5 s of CPU), which
 * `airlock grants` would pay on every run.
 */
export async function listStandingApprovals(db: Db, filter: StandingApprovalFilter = {}): Promise<StandingApproval[]> {
  const { agentId, activeAt } = StandingApprovalFilter.parse(filter);
  const params: unknown[] = [];
  const where: string[] = [];
  if (agentId) where.push(`agent_id = $${params.push(agentId)}`);
  if (activeAt) {
    const at = `$${params.push(activeAt)}`;
    where.push(`revoked_at IS NULL AND valid_from <= ${at} AND valid_until > ${at} AND uses < max_uses`);
  }
  const { rows } = await db.pool.query<StandingApprovalSqlRow>(
    `SELECT ${GRANT_COLUMNS} FROM standing_approvals ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id ASC`,
    params,
  );
  return rows.map(toStandingApproval);
}

export const ActiveGrantQuery = z.object({ agentId: Target, tool: Target, at: z.date() });
export type ActiveGrantQuery = z.input<typeof ActiveGrantQuery>;

/** Grants that could cover this agent's call of this tool at `at`, soonest to expire first (use those before they lapse). */
export async function activeGrantsFor(db: Db, input: ActiveGrantQuery): Promise<StandingApproval[]> {
  const { agentId, tool, at } = ActiveGrantQuery.parse(input);
  return db.prisma.standingApproval.findMany({
    where: { agentId, tool, ...usableAt(db, at) },
    orderBy: [{ validUntil: 'asc' }, { id: 'asc' }],
  });
}

/** A grant as admission weighs it, with who gave it (their role and groups bound what it can cover). */
export interface UsableGrant {
  id: string;
  condition: string;
  granter: { id: string; role: Role; groups: string[] } | null;
}

/** activeGrantsFor inside the caller's transaction, joined with each granter. */
export async function usableGrantsIn(client: pg.PoolClient, input: ActiveGrantQuery): Promise<UsableGrant[]> {
  const { agentId, tool, at } = ActiveGrantQuery.parse(input);
  const { rows } = await client.query<{ id: string; condition: string; user_id: string | null; role: Role | null; groups: string[] | null }>(
    `SELECT g.id, g.condition, u.id AS user_id, u.role, u.groups
       FROM standing_approvals g LEFT JOIN users u ON u.id = g.granted_by AND u.disabled_at IS NULL
      WHERE g.agent_id = $1 AND g.tool = $2 AND g.revoked_at IS NULL AND g.valid_from <= $3 AND g.valid_until > $3 AND g.uses < g.max_uses
      ORDER BY g.valid_until ASC, g.id ASC`,
    [agentId, tool, at],
  );
  return rows.map((r) => ({ id: r.id, condition: r.condition, granter: r.user_id && r.role ? { id: r.user_id, role: r.role, groups: r.groups ?? [] } : null }));
}

export const StandingApprovalConsumption = z.object({ grantId: Target, actionId: Target, at: z.date() });
export type StandingApprovalConsumption = z.input<typeof StandingApprovalConsumption>;

/**
 * Spends one use of a grant on an action, atomically and once per action.
 * The use row goes in first: a retry then finds it and answers true even if
 * that use was the grant's last. Unknown grant → false.
 */
export async function consumeStandingApproval(db: Db, input: StandingApprovalConsumption): Promise<boolean> {
  return inTransaction(db, (client) => consumeStandingApprovalIn(client, input));
}

/** The same inside the caller's transaction; a refused use undoes only this step (a savepoint). */
export async function consumeStandingApprovalIn(client: pg.PoolClient, input: StandingApprovalConsumption): Promise<boolean> {
  const { grantId, actionId, at } = StandingApprovalConsumption.parse(input);
  try {
    return await inSavepoint(client, 'standing_approval_use', async () => {
      const use = await client.query(`INSERT INTO standing_approval_uses (grant_id, action_id, used_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [grantId, actionId, at]);
      if (use.rowCount === 0) return true;
      // Waits for concurrent consumers' row lock, then re-checks uses on the latest row: never past max_uses.
      const spent = await client.query(
        `UPDATE standing_approvals SET uses = uses + 1
          WHERE id = $1 AND revoked_at IS NULL AND valid_from <= $2 AND valid_until > $2 AND uses < max_uses`,
        [grantId, at],
      );
      return spent.rowCount === 1 ? true : rollbackWith(false);
    });
  } catch (error) {
    if (sqlState(error) === '23503') return false;
    throw error;
  }
}

/** A grant row as the use case and the approve-and-remember decision write it. */
export interface NewStandingApprovalRow {
  id: string;
  agentId: string;
  tool: string;
  condition: string;
  reason: string;
  grantedBy: string;
  validFrom: Date;
  validUntil: Date;
  maxUses: number;
}

/** A `standing_approvals` row as plain SQL returns it. */
export interface StandingApprovalSqlRow {
  id: string;
  agent_id: string;
  tool: string;
  condition: string;
  reason: string;
  granted_by: string;
  valid_from: Date;
  valid_until: Date;
  max_uses: number;
  uses: number;
  revoked_at: Date | null;
  revoked_by: string | null;
  created_at: Date;
}

export const GRANT_COLUMNS = 'id, agent_id, tool, condition, reason, granted_by, valid_from, valid_until, max_uses, uses, revoked_at, revoked_by, created_at';

export function toStandingApproval(r: StandingApprovalSqlRow): StandingApproval {
  return {
    id: r.id,
    agentId: r.agent_id,
    tool: r.tool,
    condition: r.condition,
    reason: r.reason,
    grantedBy: r.granted_by,
    validFrom: r.valid_from,
    validUntil: r.valid_until,
    maxUses: r.max_uses,
    uses: r.uses,
    revokedAt: r.revoked_at,
    revokedBy: r.revoked_by,
    createdAt: r.created_at,
  };
}

/**
 * Writes a grant inside the caller's transaction. Idempotent on its id (an
 * activity retry finds the row): `inserted` says whether this call wrote it,
 * so the caller audits the creation once.
 */
export async function insertStandingApprovalIn(client: pg.PoolClient, row: NewStandingApprovalRow): Promise<{ grant: StandingApproval; inserted: boolean }> {
  const written = await client.query<StandingApprovalSqlRow>(
    `INSERT INTO standing_approvals (id, agent_id, tool, condition, reason, granted_by, valid_from, valid_until, max_uses)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING RETURNING ${GRANT_COLUMNS}`,
    [row.id, row.agentId, row.tool, row.condition, row.reason, row.grantedBy, row.validFrom, row.validUntil, row.maxUses],
  );
  if (written.rows[0]) return { grant: toStandingApproval(written.rows[0]), inserted: true };
  const existing = await client.query<StandingApprovalSqlRow>(`SELECT ${GRANT_COLUMNS} FROM standing_approvals WHERE id = $1`, [row.id]);
  return { grant: toStandingApproval(existing.rows[0]!), inserted: false };
}

/** The payload of the `standing_approval.granted` audit row, whichever door the grant came through. */
export function grantedAuditPayload(grant: StandingApproval): AuditPayloadInput<'standing_approval.granted'> {
  return {
    grantId: grant.id,
    agentId: grant.agentId,
    tool: grant.tool,
    condition: grant.condition,
    reason: grant.reason,
    validFrom: grant.validFrom.toISOString(),
    validUntil: grant.validUntil.toISOString(),
    maxUses: grant.maxUses,
  };
}

/** The end of a grant's window of `validForHours` that starts at `validFrom`. */
export function grantValidUntil(validFrom: Date, validForHours: number): Date {
  return new Date(validFrom.getTime() + validForHours * 3_600_000);
}
