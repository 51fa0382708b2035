import { randomUUID } from 'node:crypto';
import { roleAtLeast, type Role } from '@airlock/core/risk';
import { appendAudit } from '@airlock/db/audit-append';
import type { Db } from '@airlock/db/client';
import type pg from 'pg';
import { OpsError } from './ops-error.js';
import type { Operator } from './operator.js';

/** Thrown inside a use case's transaction (rolling it back) when the operator's row as committed no longer allows it. */
export class OperatorStandingLost extends Error {
  override name = 'OperatorStandingLost';
  constructor(
    readonly role: Role,
    readonly disabled: boolean,
  ) {
    super('the operator lost the standing the action needs');
  }
}

/**
 * The operator's role as committed now, inside the write's transaction, their user row held FOR SHARE to its end:
 * the role checked before it (requireRole) is the request's snapshot (a session, a key's lookup), and an admin
 * demoted or disabled meanwhile could still complete an admin write. A demotion or disabling that commits first is
 * seen here (OperatorStandingLost); one that comes after waits for this write's commit. An operator who is no user
 * (the CLI's OS account, without --by) has no row to read.
 */
export async function holdOperatorStanding(tx: pg.PoolClient, operator: Operator, role: Role): Promise<void> {
  if (operator.userId === null) return;
  const { rows } = await tx.query<{ role: Role; disabled: boolean }>('SELECT role, disabled_at IS NOT NULL AS disabled FROM users WHERE id = $1 FOR SHARE', [operator.userId]);
  const now = rows[0];
  if (!now) throw new OperatorStandingLost(operator.role, true);
  if (now.disabled || !roleAtLeast(now.role, role)) throw new OperatorStandingLost(now.role, now.disabled);
}

/** The refusal of an operator who lost their standing while the write ran: audited as requireRole audits one, with the role now. */
export async function refuseLostOperator(db: Db, operator: Operator, lost: OperatorStandingLost, role: Role, action: string): Promise<never> {
  await appendAudit(db, {
    eventKey: `operator.forbidden:${randomUUID()}`,
    type: 'operator.forbidden',
    actor: operator.actor,
    payload: { action, requiredRole: role, role: lost.role, channel: operator.channel },
  });
  if (lost.disabled) throw new OpsError('forbidden', `${operator.userId}'s account is disabled (${action})`);
  throw new OpsError('forbidden', `role ${lost.role} may not do this; ${role} or higher is required (${action})`);
}
