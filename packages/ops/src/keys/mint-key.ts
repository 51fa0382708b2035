import { z } from 'zod';
import { OpsError, notFound } from '../errors.js';
import { AgentId, ExpiresAt, KeyName, UserRef } from '../fields.js';
import { defineUseCase } from '../use-case.js';
import { findUser } from '../users/user-row.js';
import { insertKey, keyAuditFields } from './key-row.js';

export const MintKeyInput = z
  .strictObject({
    agentId: AgentId.optional(),
    userId: UserRef.optional(),
    name: KeyName.default('default'),
    expiresAt: ExpiresAt.optional(),
  })
  .refine((i) => (i.agentId === undefined) !== (i.userId === undefined), { message: 'name exactly one owner: agentId or userId', path: ['agentId'] });

/** A new API key for an agent or a person (admin); the secret is in the answer only. */
export const mintKey = defineUseCase({
  name: 'api_key.mint',
  role: 'admin',
  input: MintKeyInput,
  async write(tx, input) {
    let userId: string | null = null;
    if (input.agentId) {
      const { rows } = await tx.query<{ disabled_at: Date | null }>('SELECT disabled_at FROM agents WHERE id = $1', [input.agentId]);
      if (!rows[0]) throw notFound(`no agent "${input.agentId}"`, 'agentId');
      if (rows[0].disabled_at) throw new OpsError('conflict', `agent "${input.agentId}" is disabled`, [{ path: 'agentId', message: 'is disabled' }]);
    } else if (input.userId) {
      const user = await findUser(tx, input.userId, 'userId');
      if (user.disabledAt) throw new OpsError('conflict', `user "${user.id}" is disabled`, [{ path: 'userId', message: 'is disabled' }]);
      userId = user.id;
    }
    const minted = await insertKey(tx, { agentId: input.agentId ?? null, userId }, input.name, input.expiresAt ?? null);
    return { result: minted, audit: { type: 'api_key.minted', payload: keyAuditFields(minted.key) } };
  },
});
