import { z } from 'zod';
import { OpsError } from '../errors.js';
import { AgentId, DisplayName, Team, ToolPattern, UserRef } from '../fields.js';
import { defineUseCase } from '../use-case.js';
import { AGENT_COLUMNS, checkOwner, toAgentRecord, type AgentRecord } from './agent-row.js';

export const CreateAgentInput = z.strictObject({
  id: AgentId,
  name: DisplayName.optional(),
  team: Team,
  ownerId: UserRef.optional(),
  /** Least privilege: none unless given. */
  allowedTools: z.array(ToolPattern).max(100).default([]),
});

/** A new agent (admin). It has no key yet: mint one with `mintKey`. */
export const createAgent = defineUseCase({
  name: 'agent.create',
  role: 'admin',
  input: CreateAgentInput,
  async write(tx, input) {
    const ownerId = input.ownerId ? await checkOwner(tx, input.ownerId) : null;
    const inserted = await tx.query<Parameters<typeof toAgentRecord>[0]>(
      `INSERT INTO agents (id, name, team, owner_id, allowed_tools) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO NOTHING RETURNING ${AGENT_COLUMNS}`,
      [input.id, input.name ?? input.id, input.team, ownerId, [...new Set(input.allowedTools)]],
    );
    if (!inserted.rows[0]) throw new OpsError('conflict', `an agent "${input.id}" already exists`, [{ path: 'id', message: 'is taken' }], 'already_exists');
    const agent: AgentRecord = toAgentRecord(inserted.rows[0]);
    return {
      result: agent,
      audit: { type: 'agent.created', payload: { agentId: agent.id, name: agent.name, team: agent.team, ownerId: agent.ownerId, allowedTools: agent.allowedTools } },
    };
  },
});
