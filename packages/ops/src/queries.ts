// Reads that list what is there: no use case and no write, so neither the policy compiler nor the
// Temporal client loads. `airlock users list` and its kind need only these.
export { listAgents } from './agents/list-agents.js';
export type { AgentRecord } from './agents/agent-row.js';
export { listKeys } from './keys/list-keys.js';
export type { KeyRecord } from './keys/key-row.js';
export { listUsers } from './users/list-users.js';
export { findUser, type UserRecord } from './users/user-row.js';
export { listSlackLinks } from './slack-links/list-slack-links.js';
export type { SlackLinkRecord } from './slack-links/link-slack-user.js';
export { listPending, openRoundArgsHash, type PendingApproval } from './actions/pending.js';
