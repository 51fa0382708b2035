import { Role } from '@airlock/core';
import { z } from 'zod';
import { UserRef } from '../fields.js';
import { defineUseCase } from '../use-case.js';
import { USER_COLUMNS, checkAdminsRemain, lockUser, toUserRecord } from './user-row.js';

export const ChangeRoleInput = z.strictObject({ id: UserRef, role: Role });

/** Changes a person's role (admin); it applies to their next request (roles are read fresh each time). */
export const changeRole = defineUseCase({
  name: 'user.change_role',
  role: 'admin',
  input: ChangeRoleInput,
  async write(tx, input, operator) {
    const user = await lockUser(tx, input.id);
    if (user.role === input.role) return { result: user, audit: null };
    if (input.role !== 'admin') await checkAdminsRemain(tx, user, operator.userId);
    const { rows } = await tx.query<Parameters<typeof toUserRecord>[0]>(`UPDATE users SET role = $2::"Role" WHERE id = $1 RETURNING ${USER_COLUMNS}`, [user.id, input.role]);
    return { result: toUserRecord(rows[0]!), audit: { type: 'user.role_changed', payload: { userId: user.id, before: user.role, after: input.role } } };
  },
});
