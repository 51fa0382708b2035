/**
 * Preloaded into the workflow sandbox unless the worker asks for stack traces
 * (`bundleWorkflows({ stackTraces: true })`, AIRLOCK_WORKFLOW_STACK_TRACES): evaluated
 * once per reusable V8 context, the SDK's default that the worker keeps (the SDK runs
 * preloaded modules only there).
 *
 * The SDK captures and source-maps a stack trace for every promise a workflow
 * creates (a V8 promise hook, for the `__stack_trace` query and the Temporal UI's
 * Stack Trace tab); it has no option to turn that off. With the sandbox's own
 * `Error.stackTraceLimit` at 0 the hook captures no frames, so it has none to walk,
 * source-map and format: a replayed approval costs about a third less CPU
 * (bench/REPLAY.md). What is lost: that query answers without frames, and errors
 * thrown in workflow code carry their message only. No command depends on a stack,
 * so histories replay the same with either setting.
 */
(Error as { stackTraceLimit?: number }).stackTraceLimit = 0;

export {};
