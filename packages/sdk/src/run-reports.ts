import type { Airlock } from './airlock.js';
import type { AgentRunReport } from './gate.js';
import { isTransient } from './rest-transport.js';
import { MAX_RESEND_DELAY_MS, RESEND_FOR_MS, UnansweredClaims, type RunStart } from './run-start.js';

/** Unreported runs kept per client: enough for every call a process has in flight, bounded all the same. */
const MAX_UNREPORTED = 1_000;

/**
 * Airlock did not take the report of a tool that ran: it refused it, or stayed unreachable while it was
 * sent again. The tool's own result went to the model all the same; asked again with the same call id,
 * this process sends the report again and answers with that result, never running the tool twice.
 */
export class AirlockReportError extends Error {
  override name = 'AirlockReportError';
  constructor(
    readonly actionId: string,
    readonly toolName: string,
    readonly ran: AgentRunReport['status'],
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`${toolName} ${ran === 'succeeded' ? 'succeeded' : 'failed'}, but Airlock did not record it (action ${actionId}): ${why}`, { cause });
  }
}

/**
 * A tool's error as its report carries it: the whole message. The server keeps at most 4,000 characters,
 * cutting a longer one with a marker and recording the cut in the report's audit row (`reportAltered`),
 * which a cut made here would hide.
 */
export function runErrorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)) || 'the tool failed';
}

/** Told each report Airlock did not take; the default logs it (console.error). */
export type ReportErrorHandler = (error: AirlockReportError) => void;

export const logReportError: ReportErrorHandler = (error) => console.error(error);

interface UnreportedRun<Outcome> {
  actionId: string;
  toolName: string;
  report: AgentRunReport;
  /** What the caller answered the first time: answered again, not run again. */
  outcome: Outcome;
}

/**
 * Tool runs whose report Airlock has not taken yet, per client and action: the action is still
 * authorized, so without them a retried step (the same call id) would run the tool a second time.
 */
export function createRunReports<Outcome>() {
  const byClient = new WeakMap<Airlock, Map<string, UnreportedRun<Outcome>>>();
  const runsOf = (airlock: Airlock) => {
    let runs = byClient.get(airlock);
    if (!runs) byClient.set(airlock, (runs = new Map<string, UnreportedRun<Outcome>>()));
    return runs;
  };
  /** Per client, the runner ids of claims that got no answer. */
  const unansweredByClient = new WeakMap<Airlock, UnansweredClaims>();
  const unansweredOf = (airlock: Airlock) => {
    let claims = unansweredByClient.get(airlock);
    if (!claims) unansweredByClient.set(airlock, (claims = new UnansweredClaims(MAX_UNREPORTED)));
    return claims;
  };

  const send = async (airlock: Airlock, run: UnreportedRun<Outcome>, onReportError: ReportErrorHandler): Promise<void> => {
    const deadline = Date.now() + RESEND_FOR_MS;
    let retryDelayMs = 250;
    for (;;) {
      try {
        await airlock.report(run.actionId, run.report);
        runsOf(airlock).delete(run.actionId);
        return;
      } catch (error) {
        if (!isTransient(error) || Date.now() + retryDelayMs > deadline) {
          onReportError(new AirlockReportError(run.actionId, run.toolName, run.report.status, error));
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
        retryDelayMs = Math.min(retryDelayMs * 2, MAX_RESEND_DELAY_MS);
      }
    }
  };

  return {
    /** startRun, for the adapters that keep their runs here: a retry after a claim that got no answer claims as its runner. */
    start(airlock: Airlock, actionId: string, toolName: string, authorizationId: string): Promise<RunStart> {
      return unansweredOf(airlock).start(airlock, actionId, toolName, authorizationId);
    },
    /** Reports a run, kept until Airlock takes the report; a report error goes to `onReportError`, never to the caller. */
    async settle(airlock: Airlock, run: UnreportedRun<Outcome>, onReportError: ReportErrorHandler): Promise<void> {
      const runs = runsOf(airlock);
      for (const oldest of runs.keys()) {
        if (runs.size < MAX_UNREPORTED) break;
        runs.delete(oldest);
      }
      runs.set(run.actionId, run);
      await send(airlock, run, onReportError);
    },
    /** The first answer of an action this process ran but Airlock has not recorded, after sending its report again. */
    async replay(airlock: Airlock, actionId: string, onReportError: ReportErrorHandler): Promise<{ outcome: Outcome } | undefined> {
      const run = runsOf(airlock).get(actionId);
      if (!run) return undefined;
      await send(airlock, run, onReportError);
      return { outcome: run.outcome };
    },
  };
}
