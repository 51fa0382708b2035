export { changeRole, ChangeRoleInput } from './change-role.js';
export { disableUser, DisableUserInput } from './disable-user.js';
export { listUsers } from './list-users.js';
export { findUser, type UserRecord } from './user-row.js';
