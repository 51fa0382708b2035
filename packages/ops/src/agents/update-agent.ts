import { z } from 'zod';
import { AgentId, DisplayName, Team, ToolPattern, UserRef } from '../fields.js';
import { defineUseCase } from '../use-case.js';
import { AGENT_COLUMNS, checkOwner, lockAgent, toAgentRecord } from './agent-row.js';

const UpdateAgentFields = z.strictObject({
  id: AgentId,
  name: DisplayName.optional(),
  team: Team.optional(),
  /** `null` clears the owner. */
  ownerId: UserRef.nullable().optional(),
  allowedTools: z.array(ToolPattern).max(100).optional(),
});
const namesAChange = (i: { name?: unknown; team?: unknown; ownerId?: unknown; allowedTools?: unknown }) =>
  i.name !== undefined || i.team !== undefined || i.ownerId !== undefined || i.allowedTools !== undefined;
const NO_CHANGE = { message: 'name at least one of name, team, ownerId, allowedTools', path: ['(root)'] };

export const UpdateAgentInput = UpdateAgentFields.refine(namesAChange, NO_CHANGE);
/** The changes alone, for a channel that names the agent elsewhere (REST: its path). */
export const UpdateAgentChanges = UpdateAgentFields.omit({ id: true }).refine(namesAChange, NO_CHANGE);

/**
 * Changes an agent's name, team, owner or allowed tools (admin). Admission reads
 * them for every new action, so a change applies to the next request. Audited
 * with before and after of what changed; tools alone keep their own event type.
 */
export const updateAgent = defineUseCase({
  name: 'agent.update',
  role: 'admin',
  input: UpdateAgentInput,
  async write(tx, input) {
    const before = await lockAgent(tx, input.id);
    const ownerId = input.ownerId ? await checkOwner(tx, input.ownerId) : input.ownerId;
    const allowedTools = input.allowedTools ? [...new Set(input.allowedTools)] : before.allowedTools;
    const { rows } = await tx.query<Parameters<typeof toAgentRecord>[0]>(
      `UPDATE agents SET name = $2, team = $3, owner_id = $4, allowed_tools = $5 WHERE id = $1 RETURNING ${AGENT_COLUMNS}`,
      [before.id, input.name ?? before.name, input.team ?? before.team, ownerId === undefined ? before.ownerId : ownerId, allowedTools],
    );
    const after = toAgentRecord(rows[0]!);
    const onlyTools = input.name === undefined && input.team === undefined && input.ownerId === undefined;
    if (onlyTools) return { result: after, audit: { type: 'agent.tools_changed', payload: { agentId: after.id, before: before.allowedTools, after: after.allowedTools } } };
    const changed: Record<string, { before: unknown; after: unknown }> = {};
    for (const field of ['name', 'team', 'ownerId', 'allowedTools'] as const) {
      if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) changed[field] = { before: before[field], after: after[field] };
    }
    return { result: after, audit: { type: 'agent.updated', payload: { agentId: after.id, changed } } };
  },
});
