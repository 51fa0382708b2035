import type { Db } from '@airlock/db';
import { decide, openRoundArgsHash, resolveCompensation } from '@airlock/ops/actions';
import { CliError } from './cli-error.js';
import { cliOperator } from './runtime.js';
import { withTemporal } from './temporal.js';

// `airlock approve | deny | compensation`: the inbox for people who live in a terminal (`pending` lists it, in list-commands.ts).

/**
 * Approves or denies as the person named with --by. The decision binds to the
 * arguments of the open round (the ones `pending` shows) unless --args-hash names
 * others; the workflow checks who may decide, as for every other channel.
 */
export async function decideCommand(
  decision: 'approve' | 'deny',
  actionId: string,
  options: { by: string; comment?: string; feedback?: string; argsHash?: string },
): Promise<string> {
  return withTemporal(async (deps) => {
    const operator = await cliOperator(deps.db, options.by);
    const argsHash = options.argsHash ?? (await openRoundHash(deps.db, actionId));
    const result = await decide(deps, operator, {
      actionId,
      decision,
      argsHash,
      ...(options.comment ? { comment: options.comment } : {}),
      ...(options.feedback ? { feedback: options.feedback } : {}),
    });
    if (decision === 'deny') return `denied ${actionId}`;
    return result.approvalStatus === 'approved'
      ? `approved ${actionId} (${result.approvalsSoFar} of ${result.requiredApprovals}); it runs now`
      : `approval recorded (${result.approvalsSoFar} of ${result.requiredApprovals})`;
  });
}

async function openRoundHash(db: Db, actionId: string): Promise<string> {
  const argsHash = await openRoundArgsHash(db, actionId);
  if (argsHash === undefined) throw new CliError(`<action-id>: ${actionId} is not waiting for a decision (see: npm run airlock -- pending)`);
  return argsHash;
}

export async function resolveCompensationCommand(actionId: string, options: { step: string; resolution: string; by: string; comment?: string }): Promise<string> {
  return withTemporal(async (deps) => {
    await resolveCompensation(deps, await cliOperator(deps.db, options.by), {
      actionId,
      step: Number(options.step),
      resolution: options.resolution,
      ...(options.comment ? { comment: options.comment } : {}),
    });
    return `step ${options.step} of ${actionId}: ${options.resolution === 'retry' ? 'compensation retried' : 'recorded as resolved by hand'}`;
  });
}
