import { z } from 'zod';
import { AgentId, Reason } from '../fields.js';
import { defineUseCase } from '../use-case.js';
import { lockAgent } from './agent-row.js';

export const DisableAgentInput = z.strictObject({ id: AgentId, reason: Reason });

/**
 * Disables an agent (admin): admission refuses its new actions and every key of
 * it is revoked in the same transaction, so the next request is refused. Actions
 * already in flight are left alone: the kill switch is the tool for stopping those.
 */
export const disableAgent = defineUseCase({
  name: 'agent.disable',
  role: 'admin',
  input: DisableAgentInput,
  async write(tx, input) {
    const agent = await lockAgent(tx, input.id);
    if (agent.disabledAt) return { result: { agentId: agent.id, revokedKeys: 0, changed: false }, audit: null };
    await tx.query('UPDATE agents SET disabled_at = now() WHERE id = $1', [agent.id]);
    const revoked = await tx.query('UPDATE api_keys SET revoked_at = now() WHERE agent_id = $1 AND revoked_at IS NULL', [agent.id]);
    const revokedKeys = revoked.rowCount ?? 0;
    return { result: { agentId: agent.id, revokedKeys, changed: true }, audit: { type: 'agent.disabled', payload: { agentId: agent.id, reason: input.reason, revokedKeys } } };
  },
});
