import type { Db } from '@airlock/db';
import { decide, openRoundArgsHash, resolveCompensation } from '@airlock/ops/actions';
import { SHOWN_ARGS_HASH_LENGTH } from './args-hash.js';
import { CliError } from './cli-error.js';
import { cliOperator } from './runtime.js';
import { withTemporal } from './temporal.js';

// `airlock approve | deny | compensation`: the inbox for people who live in a terminal (`pending` lists it, in list-commands.ts).

/**
 * Approves or denies as the person named with --by. With --args-hash (the whole hash, or at least the 12 characters
 * `pending` shows) the decision binds to the arguments the person saw: if an edit changed them since, it is refused.
 * Without it, to those of the round open when the command runs. The workflow checks who may decide, as for every
 * other channel, and that the hash is the open round's.
 */
export async function decideCommand(
  decision: 'approve' | 'deny',
  actionId: string,
  options: { by: string; comment?: string; feedback?: string; argsHash?: string },
): Promise<string> {
  return withTemporal(
    async (deps) => {
      const operator = await cliOperator(deps.db, options.by);
      const argsHash = await boundArgsHash(deps.db, actionId, options.argsHash);
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
    },
    { actionId },
  );
}

/**
 * The full hash the decision binds to: --args-hash as given when whole; a prefix of it (what `pending` shows) is
 * the open round's hash when that starts with it, else refused (the arguments changed since the person looked).
 */
async function boundArgsHash(db: Db, actionId: string, given: string | undefined): Promise<string> {
  if (given === undefined || given.length === 64) return given ?? (await openRoundHash(db, actionId));
  if (!new RegExp(`^[0-9a-f]{${SHOWN_ARGS_HASH_LENGTH},63}$`).test(given)) {
    throw new CliError(
      `--args-hash: must be the arguments' hash (64 hex characters) or at least its first ${SHOWN_ARGS_HASH_LENGTH}, as pending shows it; got ${JSON.stringify(given)}`,
    );
  }
  const open = await openRoundHash(db, actionId);
  if (!open.startsWith(given)) {
    throw new CliError(
      `--args-hash: the arguments of ${actionId} changed since you saw them (${given}): the open round's are ${open.slice(0, SHOWN_ARGS_HASH_LENGTH)} (see: npm run airlock -- pending)`,
    );
  }
  return open;
}

async function openRoundHash(db: Db, actionId: string): Promise<string> {
  const argsHash = await openRoundArgsHash(db, actionId);
  if (argsHash === undefined) throw new CliError(`<action-id>: ${actionId} is not waiting for a decision (see: npm run airlock -- pending)`);
  return argsHash;
}

export async function resolveCompensationCommand(actionId: string, options: { step: string; resolution: string; by: string; comment?: string }): Promise<string> {
  return withTemporal(
    async (deps) => {
      await resolveCompensation(deps, await cliOperator(deps.db, options.by), {
        actionId,
        step: Number(options.step),
        resolution: options.resolution,
        ...(options.comment ? { comment: options.comment } : {}),
      });
      return `step ${options.step} of ${actionId}: ${options.resolution === 'retry' ? 'compensation retried' : 'recorded as resolved by hand'}`;
    },
    { actionId },
  );
}
