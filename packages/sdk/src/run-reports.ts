import type { Airlock } from './airlock.js';
import type { AgentRunReport } from './gate.js';
import { AirlockApiError, isTransient } from './rest-transport.js';

/** How long a report is sent again through network errors and 502/503/504 before it is given up. */
const REPORT_RETRY_MS = 30_000;
const MAX_RETRY_DELAY_MS = 4_000;
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

/** A random id for one run attempt's claim (`Airlock.claimRun`): never reused by another attempt or process. */
export function newRunnerId(): string {
  return globalThis.crypto.randomUUID();
}

/**
 * What the model is told when another run (another process, or this one after a restart) claimed the call first:
 * the tool was not run here, and its result is not known here.
 */
export function claimedElsewhereText(toolName: string, actionId: string, why: string): string {
  return (
    `${toolName} was not run here: this call was already started by another run (${why}), and its result is not known here. ` +
    `It shows in Airlock (action ${actionId}) once that run reports it; do not call ${toolName} again for this.`
  );
}

/**
 * Whether this process may run an authorized tool: its claim was recorded (`run`), or not, with the tool result to
 * answer the model instead (`text`): claimed by another run first, or the authorization no longer usable.
 */
export type RunStart = { run: true; runnerId: string } | { run: false; claimedElsewhere: boolean; text: string };

/**
 * Claims the authorized run before the tool starts (Airlock.claimRun, with a runner id of its own): once per
 * action across processes, so a call retried after a crash or restart never runs the tool twice. Sent again
 * with the same runner id through network errors and 502/503/504 for up to 30 s, then the error is thrown
 * (the tool does not run). Another run's claim, or an authorization no longer usable, is a RunStart saying so.
 * `runnerId`: the id an earlier call that threw used, to try again as the same runner (its claim may have been
 * recorded with the answer lost: under a new id it would be refused as another runner's).
 */
export async function startRun(airlock: Airlock, actionId: string, toolName: string, authorizationId: string, runnerId = newRunnerId()): Promise<RunStart> {
  const deadline = Date.now() + REPORT_RETRY_MS;
  let retryDelayMs = 250;
  for (;;) {
    try {
      await airlock.claimRun(actionId, { authorizationId, runnerId });
      return { run: true, runnerId };
    } catch (error) {
      if (error instanceof AirlockApiError && error.status === 409) {
        if (error.code === 'conflict') return { run: false, claimedElsewhere: true, text: claimedElsewhereText(toolName, actionId, error.message) };
        return { run: false, claimedElsewhere: false, text: `Airlock refused ${toolName}: ${error.message}` };
      }
      if (!isTransient(error) || Date.now() + retryDelayMs > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
      retryDelayMs = Math.min(retryDelayMs * 2, MAX_RETRY_DELAY_MS);
    }
  }
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
  /** Per client, actions whose claim got no answer (startRun threw), with the runner id it used. */
  const unansweredByClient = new WeakMap<Airlock, Map<string, string>>();
  const unansweredOf = (airlock: Airlock) => {
    let claims = unansweredByClient.get(airlock);
    if (!claims) unansweredByClient.set(airlock, (claims = new Map<string, string>()));
    return claims;
  };

  const send = async (airlock: Airlock, run: UnreportedRun<Outcome>, onReportError: ReportErrorHandler): Promise<void> => {
    const deadline = Date.now() + REPORT_RETRY_MS;
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
        retryDelayMs = Math.min(retryDelayMs * 2, MAX_RETRY_DELAY_MS);
      }
    }
  };

  return {
    /**
     * startRun, for the adapters that keep their runs here. A call retried after a claim that got no answer (startRun
     * threw) claims as the same runner: that claim may have been recorded, and under a new id it would be refused as
     * another runner's, the tool never run.
     */
    async start(airlock: Airlock, actionId: string, toolName: string, authorizationId: string): Promise<RunStart> {
      const unanswered = unansweredOf(airlock);
      const runnerId = unanswered.get(actionId) ?? newRunnerId();
      unanswered.delete(actionId);
      try {
        return await startRun(airlock, actionId, toolName, authorizationId, runnerId);
      } catch (error) {
        unanswered.set(actionId, runnerId);
        for (const oldest of unanswered.keys()) {
          if (unanswered.size <= MAX_UNREPORTED) break;
          unanswered.delete(oldest);
        }
        throw error;
      }
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
