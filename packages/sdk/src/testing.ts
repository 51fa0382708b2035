import { isWellFormedText } from '@airlock/core/json-limits';
import type { Airlock } from './airlock.js';
import { InvalidRequestError } from '@airlock/core/portable';
import type { AgentRunReport, RunClaim } from './gate.js';
import { AirlockApiError } from './rest-transport.js';

/** The server side of a fake action's run claim, shared by the fakes that stand for two processes of one agent. */
export interface FakeRunClaim {
  runnerId?: string;
  claimedAt?: string;
}

/**
 * An Airlock (the SDK client's gate-only calls) for one authorized action `act-1` on `payments.refund` with
 * `args`, for unit tests of code that gates a tool through it (the framework adapters): `refuse` answers each
 * report (an error to reject it with, or nothing to take it). An error holding half an emoji is refused: the
 * API would store it altered, so a client must cut on a code point. Once a success is taken, the action reads
 * executed with its output. `authorized` lists the tools asked for, `reports` every report sent, `claims` every
 * run claim; `claim` is the action's claim as the server holds it (one runner's, a 409 `conflict` for any other).
 */
export function fakeGateOnlyAirlock(
  args: Record<string, unknown>,
  refuse: (report: AgentRunReport) => Error | undefined,
  /** The action's claim as Airlock holds it: pass one fake's `claim` to another to stand for a second process. */
  claim: FakeRunClaim = {},
) {
  const reports: AgentRunReport[] = [];
  /** Every claim sent (`claimRun`), in order. */
  const claims: RunClaim[] = [];
  const authorized: string[] = [];
  let recorded: AgentRunReport | undefined;
  const airlock = {
    authorize: (request: { tool: string }) => {
      authorized.push(request.tool);
      return Promise.resolve({ actionId: 'act-1', created: false });
    },
    checkAuthorization: () => airlock.awaitAuthorization(),
    awaitAuthorization: () =>
      Promise.resolve(
        recorded?.status === 'succeeded'
          ? { status: 'executed', actionId: 'act-1', output: recorded.output }
          : { status: 'authorized', actionId: 'act-1', tool: 'payments.refund', authorizationId: 'auth-1', args, argsHash: 'h', expiresAt: '2030-01-01T00:00:00Z' },
      ),
    // As the server: the first runner's claim is taken (again for it), another's is a 409 conflict, none after the report.
    claimRun: (actionId: string, sent: RunClaim) => {
      claims.push(sent);
      if (claim.runnerId !== undefined && claim.runnerId !== sent.runnerId) {
        return Promise.reject(new AirlockApiError(409, 'conflict', `the run was already claimed by another runner at ${claim.claimedAt}`));
      }
      if (claim.runnerId === undefined && recorded) return Promise.reject(new AirlockApiError(409, 'decision_rejected', 'the action was already reported'));
      claim.runnerId = sent.runnerId;
      claim.claimedAt ??= '2029-12-31T23:59:00.000Z';
      return Promise.resolve({ status: 'claimed', actionId, authorizationId: sent.authorizationId, runnerId: sent.runnerId, claimedAt: claim.claimedAt });
    },
    report: (_actionId: string, report: AgentRunReport) => {
      reports.push(report);
      if (report.status === 'failed' && !isWellFormedText(report.error)) return Promise.reject(new InvalidRequestError('error: must be Unicode text'));
      const error = refuse(report);
      if (error) return Promise.reject(error);
      recorded = report;
      return Promise.resolve({ status: 'executed', actionId: 'act-1', output: null });
    },
  };
  return { airlock: airlock as unknown as Airlock, reports, authorized, claims, claim };
}
