// Constants that workflow code and light clients both use: no imports at all, so
// neither the workflow bundle (zod-free, see messages.ts) nor the portable entry
// (Temporal-free) pulls anything in with them.

/** The pseudo-tool name of a multi-step plan: one approval covers every step. */
export const PLAN_TOOL = 'airlock.plan';

/** How long an authorization stays usable when the request does not say. */
export const DEFAULT_REPORT_WINDOW_MS = 15 * 60_000;

/**
 * The failure type a workflow gives a decision it refuses because the round takes
 * no more decisions from this person (decided, closed, or already decided by them):
 * nothing the decider did wrong, so channels say "already decided", not "refused".
 */
export const DECISION_CLOSED_FAILURE = 'DecisionClosed';

/**
 * The failure type of a tool run the executor stopped at its time limit (TOOL_RUN_STOP_MS). It may have done what it
 * was asked (stopped, not undone), so whoever completes the action keeps its budget spent (BudgetHold.mayHaveRun) and
 * a plan counts the step among those left done.
 */
export const TOOL_OVERRAN_FAILURE = 'ToolOverran';
