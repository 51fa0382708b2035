import { resumeScope, suspendAndCancel, type KillScope } from '@airlock/ops/kill-switch';
import { grantStandingApproval, revokeStandingApproval } from '@airlock/ops/standing-approvals';
import { runUseCase } from '@airlock/ops/use-case';
import { CliError } from './cli-error.js';
import { cliOperator, withDb } from './runtime.js';
import { withTemporal } from './temporal.js';

export function scopeOf(options: { agent?: string; team?: string; tenant?: boolean }): { scope: KillScope; target: string } {
  const chosen = [options.agent && 'agent', options.team && 'team', options.tenant && 'tenant'].filter(Boolean);
  if (chosen.length !== 1) throw new CliError('name exactly one of --agent <id>, --team <name> or --tenant');
  if (options.agent) return { scope: 'agent', target: options.agent };
  if (options.team) return { scope: 'team', target: options.team };
  return { scope: 'tenant', target: '*' };
}

export async function suspendCommand(options: { agent?: string; team?: string; tenant?: boolean; reason: string; by?: string }): Promise<string> {
  const { scope, target } = scopeOf(options);
  return withTemporal(async (deps) => {
    const result = await suspendAndCancel(deps, await cliOperator(deps.db, options.by), { scope, target, reason: options.reason });
    return `suspended ${scope} ${target} (${result.suspensionId}); cancelled ${result.cancelledActions.length} live action(s)${result.cancelledActions.length ? `: ${result.cancelledActions.join(', ')}` : ''}`;
  });
}

export async function resumeCommand(options: { agent?: string; team?: string; tenant?: boolean; by?: string }): Promise<string> {
  const { scope, target } = scopeOf(options);
  return withDb(async (db) => {
    const { wasActive } = await runUseCase({ db }, await cliOperator(db, options.by), resumeScope, { scope, target });
    return wasActive ? `resumed ${scope} ${target}` : `${scope} ${target} was not suspended`;
  });
}

export function positiveNumber(option: string, value: string, integer = false): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new CliError(`${option}: must be a positive ${integer ? 'integer' : 'number'}`);
  return n;
}

/** Same checks as the REST API: the granting person (--by) must be an approver and not the agent's owner; the condition must compile. */
export async function grantCommand(options: { agent: string; tool: string; condition: string; reason: string; by: string; hours: string; uses: string }): Promise<string> {
  const validForHours = positiveNumber('--hours', options.hours);
  const maxUses = positiveNumber('--uses', options.uses, true);
  return withDb(async (db) => {
    const grant = await runUseCase({ db }, await cliOperator(db, options.by), grantStandingApproval, {
      agentId: options.agent,
      tool: options.tool,
      condition: options.condition,
      reason: options.reason,
      validForHours,
      maxUses,
    });
    return `granted standing approval ${grant.id}: ${options.agent} may run ${options.tool} when ${options.condition}, ${maxUses} time(s), until ${grant.validUntil.toISOString()}`;
  });
}

export async function revokeCommand(id: string, options: { by: string }): Promise<string> {
  return withDb(async (db) => {
    const { wasActive, standingApproval } = await runUseCase({ db }, await cliOperator(db, options.by), revokeStandingApproval, { id });
    return wasActive ? `revoked ${id}` : `${id} was not active${standingApproval.revokedBy ? ` (revoked by ${standingApproval.revokedBy})` : ''}`;
  });
}
