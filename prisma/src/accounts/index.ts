// Local accounts: argon2id password hashes, one-time passwords, password sign-in and change.
// A subpath of its own (`@airlock/db/accounts`): only the console, the CLI and the launcher load the native argon2 binding.
export { AccountEmail, AccountError, NewLocalUser, NewPassword, UserId, parseAccountInput, type AccountIssue } from './account-input.js';
export { ARGON2ID_OPTIONS, DECOY_PASSWORD_HASH, hashPassword, verifyPassword } from './password-hash.js';
export { generateOneTimePassword } from './one-time-password.js';
export { createLocalUser, insertLocalUser, issueOneTimePassword, resetPasswordIn, type IssuedPassword } from './provisioning.js';
export { SIGN_IN_ATTEMPTS, signInWithPassword, type PasswordSignIn } from './password-sign-in.js';
export { changeOwnPassword, type PasswordChange } from './password-change.js';
