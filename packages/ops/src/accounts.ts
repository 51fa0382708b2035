// Console users with one-time passwords: a subpath of its own, because it loads the native argon2 binding.
export { createUser, CreateUserInput } from './users/create-user.js';
export { resetPassword, ResetPasswordInput } from './users/reset-password.js';
