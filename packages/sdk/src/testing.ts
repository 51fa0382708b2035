import { isWellFormedText } from '@airlock/core/json-limits';
import type { Airlock } from './airlock.js';
import { InvalidRequestError } from '@airlock/core/portable';
import type { AgentRunReport } from './gate.js';

/**
 * An Airlock (the SDK client's gate-only calls) for one authorized action `act-1` on `payments.refund` with
 * `args`, for unit tests of code that gates a tool through it (the framework adapters): `refuse` answers each
 * report (an error to reject it with, or nothing to take it). An error holding half an emoji is refused: the
 * API would store it altered, so a client must cut on a code point. Once a success is taken, the action reads
 * executed with its output. `authorized` lists the tools asked for, `reports` every report sent.
 */
export function fakeGateOnlyAirlock(args: Record<string, unknown>, refuse: (report: AgentRunReport) => Error | undefined) {
  const reports: AgentRunReport[] = [];
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
    report: (_actionId: string, report: AgentRunReport) => {
      reports.push(report);
      if (report.status === 'failed' && !isWellFormedText(report.error)) return Promise.reject(new InvalidRequestError('error: must be Unicode text'));
      const error = refuse(report);
      if (error) return Promise.reject(error);
      recorded = report;
      return Promise.resolve({ status: 'executed', actionId: 'act-1', output: null });
    },
  };
  return { airlock: airlock as unknown as Airlock, reports, authorized };
}
