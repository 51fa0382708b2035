// @airlock/slack: approvals in Slack. Block Kit messages driven by the audit log,
// button and modal listeners that decide through the workflow's validator.

export { startSlackApp, type RunningSlackApp, type StartSlackAppOptions } from './start.js';
export { NOT_CONFIGURED_LINE, readSlackAppEnv, slackAppEnv, slackConfigured, slackEnv, type SlackAppEnv, type SlackEnv } from './env.js';
export { SlackRoutes, approvalChannel, escalationChannel } from './routing.js';
export { EVENTS_ENDPOINT } from './app.js';
export { MemorySeenRequests, ReplayGuard, REQUEST_WINDOW_SECONDS, type SeenRequests } from './receiver.js';
export { PostgresSeenRequests } from './seen-requests.js';
export { approvalMessage, type ApprovalCard } from './blocks/approval-message.js';
export * from './blocks/ids.js';
