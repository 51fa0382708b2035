// The use-case layer: every operator action validates, writes and audits in one
// transaction here. REST handlers, console server actions, the CLI and Slack call
// only these. Creating console users lives in `@airlock/ops/accounts` (it loads argon2).
// Each area is also its own entry (`@airlock/ops/users`), and `@airlock/ops/queries` holds the
// reads alone, so a caller loads only what its area needs: `actions` and `kill-switch` talk to
// Temporal (its client), `standing-approvals` and `policy` compile policies (the CEL compiler).
export * from './operators.js';
export { runUseCase, requireRole, defineUseCase, type UseCase, type OpsDeps } from './use-case.js';
export { storedText, findUnstorableText } from './stored-text.js';

export * from './agents/index.js';
export * from './keys/index.js';
export * from './users/index.js';
export * from './slack-links/index.js';
export * from './budgets/index.js';
export * from './standing-approvals/index.js';
export * from './kill-switch/index.js';
export * from './actions/index.js';
export * from './webhooks/index.js';
export * from './policy/index.js';
