import { randomUUID } from 'node:crypto';
import type { AuditEventType, AuditPayloadInput } from '@airlock/core';
import { roleAtLeast, type Role } from '@airlock/core/risk';
import { appendAudit, appendAuditIn } from '@airlock/db/audit-append';
import type { Db } from '@airlock/db/client';
import { inTransaction } from '@airlock/db/transaction';
import type pg from 'pg';
import type { z } from 'zod';
import { retryAbortedTransaction } from './aborted-transaction-retry.js';
import { OpsError, fromZodError } from './errors.js';
import type { Operator } from './operator.js';
import { OperatorStandingLost, holdOperatorStanding, refuseLostOperator } from './operator-standing.js';
import { refuseUnstorableText } from './stored-text.js';

/** The one audit row an operator action writes (a catalogued event); `null` when it changed nothing (a repeated revoke). */
export type UseCaseAudit = {
  [T in AuditEventType]: {
    type: T;
    payload: AuditPayloadInput<T>;
    actionId?: string;
    /** Defaults to `<type>:<random>`: each action is its own event. */
    eventKey?: string;
  };
}[AuditEventType];

export interface UseCaseOutcome<R> {
  result: R;
  audit: UseCaseAudit | null;
}

/**
 * One operator action: who may do it, what it takes (zod), and its write,
 * which runs inside the transaction its audit row commits in.
 */
export interface UseCase<S extends z.ZodType, R> {
  name: string;
  role: Role;
  input: S;
  write(tx: pg.PoolClient, input: z.output<S>, operator: Operator): Promise<UseCaseOutcome<R>>;
}

export function defineUseCase<S extends z.ZodType, R>(useCase: UseCase<S, R>): UseCase<S, R> {
  return useCase;
}

export interface OpsDeps {
  db: Db;
}

/**
 * Checks the operator's role (a refusal is itself audited), validates the input
 * (an OpsError naming each field; text that cannot be stored, NUL or a lone surrogate, in any
 * field, whatever the use case's schema says), then writes and appends the audit row in one
 * transaction: either both commit or neither does. A transaction that PostgreSQL
 * aborted (deadlock, serialization failure) is run again from BEGIN: its writes
 * and audit row were rolled back, so the checks, writes and audit row are made
 * anew against what is there now (see aborted-transaction-retry.ts). Inside the transaction the
 * operator's user row is read again and held FOR SHARE (holdOperatorStanding): an operator demoted
 * or disabled since the request's snapshot is refused (and audited) instead of completing the write.
 */
export async function runUseCase<S extends z.ZodType, R>(deps: OpsDeps, operator: Operator, useCase: UseCase<S, R>, raw: unknown): Promise<R> {
  await requireRole(deps, operator, useCase.role, useCase.name);
  // Whatever its schema says of a field, no use case stores a NUL or a lone surrogate (a 500 or a silent U+FFFD).
  refuseUnstorableText(raw);
  const parsed = useCase.input.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw fromZodError(parsed.error);
  try {
    return await writeUseCase(deps, operator, useCase, parsed.data);
  } catch (error) {
    if (error instanceof OperatorStandingLost) return refuseLostOperator(deps.db, operator, error, useCase.role, useCase.name);
    throw error;
  }
}

function writeUseCase<S extends z.ZodType, R>(deps: OpsDeps, operator: Operator, useCase: UseCase<S, R>, input: z.output<S>): Promise<R> {
  return retryAbortedTransaction((final) =>
    inTransaction(deps.db, async (tx) => {
      // The role as committed now, held to the commit: the check above read the request's snapshot.
      await holdOperatorStanding(tx, operator, useCase.role);
      const { result, audit } = await useCase.write(tx, input, operator);
      if (audit) {
        // Spread, not picked apart: the type and its payload stay one catalogued event.
        await appendAuditIn(tx, { ...audit, eventKey: audit.eventKey ?? `${audit.type}:${randomUUID()}`, actionId: audit.actionId ?? null, actor: operator.actor });
        // appendAuditIn has told the audit observers (metrics) of the row: only COMMIT follows, and running again would tell them twice.
        final();
      }
      return result;
    }),
  );
}

/**
 * Refuses an operator below `role` with a `forbidden` OpsError, after writing an
 * `operator.forbidden` audit row: attempts on admin actions leave a trace.
 */
export async function requireRole(deps: OpsDeps, operator: Operator, role: Role, action: string): Promise<void> {
  if (roleAtLeast(operator.role, role)) return;
  await appendAudit(deps.db, {
    eventKey: `operator.forbidden:${randomUUID()}`,
    type: 'operator.forbidden',
    actor: operator.actor,
    payload: { action, requiredRole: role, role: operator.role, channel: operator.channel },
  });
  throw new OpsError('forbidden', `role ${operator.role} may not do this; ${role} or higher is required (${action})`);
}
