// Finding a person (by id or email) and the refusals of account input: what a listing or a lookup
// needs, as an entry of its own (`@airlock/db/users`). `@airlock/db/accounts` loads the native
// argon2 binding, `@airlock/db` the whole data layer (with guardrails, for appending audit rows).
export { findUserByIdOrEmail, toUserRecord, USER_COLUMNS, type UserRecord, type UserRow } from './user-lookup.js';
export { AccountError, type AccountIssue } from './account-input.js';
