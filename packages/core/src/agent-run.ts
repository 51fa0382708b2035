import { z } from 'zod';
import { ToolArgs } from './action.js';
import type { ReportAlteration } from './report-storage.js';

export type { ReportAlteration } from './report-storage.js';

export { DEFAULT_REPORT_WINDOW_MS } from './names.js';

/**
 * Gate-only actions: Airlock decides, the agent runs the tool itself and
 * reports how it went. The workflow is `agentRun`; its `report` Update closes it.
 */
export const AGENT_RUN_WORKFLOW = 'agentRun';

/** What the agent is allowed to do, once the action is allowed or approved. */
export interface Authorization {
  authorizationId: string;
  /** The arguments to run with: the agent's, or an approver's edit of them. */
  args: Record<string, unknown>;
  argsHash: string;
  /** Unreported past this instant, the action expires (and its budget is released). */
  expiresAt: string;
  /** When a runner claimed the run (`claimRun`): from then on no other runner may start it. Absent until claimed. */
  claimedAt?: string;
}

/**
 * The body of `POST /actions/:id/claim`: a runner says it is about to run the authorized tool. `runnerId` is
 * random per run attempt, made by the client: the same runner claiming again (a retry after a network blip)
 * is answered as the first time; another runner is refused, so a tool call retried by a restarted process
 * never runs a second time.
 */
export const RunClaimBody = z.strictObject({
  authorizationId: z.string().min(1).max(200),
  runnerId: z.string().min(1).max(200),
});
export type RunClaimBody = z.infer<typeof RunClaimBody>;

/** The `claimRun` Update's argument (the body as checked at the edge). */
export type RunClaim = RunClaimBody;

/** The `claimRun` Update's answer: the run is this runner's, claimed at `claimedAt`. */
export interface RunClaimed {
  authorizationId: string;
  runnerId: string;
  claimedAt: string;
}

/**
 * The body of `POST /actions/:id/report`: the arguments the agent ran with, and how it went. Only the
 * structure is checked here (a 400 names the field): the tool has run, so what its output or error
 * holds is never a reason to refuse the report; storableReportResult makes it storable and says how.
 */
export const AgentReportBody = z.discriminatedUnion('status', [
  z.strictObject({ authorizationId: z.string().min(1).max(200), args: ToolArgs, status: z.literal('succeeded'), output: z.unknown().optional() }),
  z.strictObject({ authorizationId: z.string().min(1).max(200), args: ToolArgs, status: z.literal('failed'), error: z.string() }),
]);
export type AgentReportBody = z.infer<typeof AgentReportBody>;

/** The Update's argument: hashes computed at the edge, so the workflow compares strings only. */
export interface AgentReport {
  authorizationId: string;
  argsHash: string;
  /** Hash of (status, output | error): the same report twice is one report. */
  reportHash: string;
  status: 'succeeded' | 'failed';
  output?: unknown;
  error?: string;
  /** Set when the output or error is a storable form of what the agent sent (recorded in `tool.reported`). */
  altered?: ReportAlteration;
}
