import { randomUUID } from 'node:crypto';
import { actionsAffectedIn, actionsWithStartedRuns, closeStartGate, type GovernanceScope, TENANT_TARGET, type Db } from '@airlock/db';
import { actionHandle } from '@airlock/core/gateway';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { invalidField, notFound } from '../errors.js';
import { Reason } from '../fields.js';
import type { Operator } from '../operator.js';
import { defineUseCase, runUseCase } from '../use-case.js';
import { ScopeTarget, scopeTarget } from './scope-target.js';

export type KillScope = GovernanceScope;

export interface SuspendResult {
  suspensionId: string;
  /** Live actions whose workflows were asked to cancel (pending approvals and running tools). */
  cancelledActions: string[];
  /**
   * Of those, the ones that started before the switch (a tool run or a plan step
   * claimed, or a gate-only authorization issued): asked to stop, but the tool may
   * still finish (their outcome then says executed). Every other one never runs.
   */
  startedBeforeSwitch: string[];
}

export const SuspendInput = ScopeTarget.extend({ reason: Reason }).superRefine(scopeTarget);

const suspend = defineUseCase({
  name: 'kill_switch.on',
  role: 'admin',
  input: SuspendInput,
  async write(tx, input, operator) {
    const target = input.scope === 'tenant' ? TENANT_TARGET : input.target!;
    // A mistyped agent id or team name would stop nothing while looking like it did. A team is its agents (a disabled one
    // still counts): a switch for a team no agent is in yet is refused, so create its first agent, then switch it off.
    if (input.scope === 'agent' && (await tx.query('SELECT 1 FROM agents WHERE id = $1', [target])).rowCount === 0) throw notFound(`no agent "${target}"`, 'target');
    if (input.scope === 'team' && (await tx.query('SELECT 1 FROM agents WHERE team = $1 LIMIT 1', [target])).rowCount === 0) {
      throw invalidField('target', `no agent is in team "${target}"; a switch on it would stop nothing`);
    }
    // No unique index covers "one active switch per target", so find-or-insert is serialised here.
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`kill-switch:${input.scope}:${target}`]);
    const active = await tx.query<{ id: string }>('SELECT id FROM kill_switches WHERE scope = $1 AND target = $2 AND lifted_at IS NULL ORDER BY created_at LIMIT 1', [
      input.scope,
      target,
    ]);
    // Suspending what is already suspended returns the switch in force: a double click is one event.
    if (active.rows[0]) return { result: { suspensionId: active.rows[0].id, target, affected: await actionsAffectedIn(tx, { scope: input.scope, target }) }, audit: null };
    const id = randomUUID();
    // Waits for tool starts checking the switch right now: each commits before the switch, or sees it.
    await closeStartGate(tx);
    await tx.query('INSERT INTO kill_switches (id, scope, target, reason, created_by) VALUES ($1, $2, $3, $4, $5)', [
      id,
      input.scope,
      target,
      input.reason,
      operator.userId ?? operator.actor,
    ]);
    // The actions live at the switch's own moment (under the start gate): one in flight now is listed even if it
    // finishes before the reply, and a run that committed its start is among them (see actionsWithStartedRuns).
    const affected = await actionsAffectedIn(tx, { scope: input.scope, target });
    return {
      result: { suspensionId: id, target, affected },
      audit: { type: 'kill_switch.on', eventKey: `kill-switch:${id}:on`, payload: { suspensionId: id, scope: input.scope, target, reason: input.reason } },
    };
  },
});

/**
 * The kill switch (admin): from this moment new actions of the scope are denied
 * at admission; the switch and its audit row commit together, then live actions
 * are cancelled through Temporal, so a pending approval closes and a running tool
 * receives cancellation.
 */
export async function suspendAndCancel(deps: { db: Db; temporal: Client }, operator: Operator, raw: unknown): Promise<SuspendResult> {
  const { suspensionId, affected } = await runUseCase(deps, operator, suspend, raw);
  const cancelledActions: string[] = [];
  for (const actionId of affected) {
    try {
      await actionHandle(deps.temporal, actionId).cancel();
      cancelledActions.push(actionId);
    } catch (error) {
      // Finished between the query and the cancel: nothing left to stop.
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
  return { suspensionId, cancelledActions, startedBeforeSwitch: await actionsWithStartedRuns(deps.db, affected) };
}

export const ResumeInput = ScopeTarget.superRefine(scopeTarget);

/** Lifts the kill switch on exactly this scope and target (admin); audited when one was in force. */
export const resumeScope = defineUseCase({
  name: 'kill_switch.off',
  role: 'admin',
  input: ResumeInput,
  async write(tx, input, operator) {
    const target = input.scope === 'tenant' ? TENANT_TARGET : input.target!;
    const { rowCount } = await tx.query('UPDATE kill_switches SET lifted_at = now(), lifted_by = $3 WHERE scope = $1 AND target = $2 AND lifted_at IS NULL', [
      input.scope,
      target,
      operator.userId ?? operator.actor,
    ]);
    if (!rowCount) return { result: { wasActive: false }, audit: null };
    return { result: { wasActive: true }, audit: { type: 'kill_switch.off', payload: { scope: input.scope, target } } };
  },
});
