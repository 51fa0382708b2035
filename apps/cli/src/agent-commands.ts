import { createAgent, disableAgent, updateAgent } from '@airlock/ops/agents';
import { runUseCase } from '@airlock/ops/use-case';
import { cliOperator, withDb } from './runtime.js';

// `airlock agents ...`: agents without SQL. Keys are `airlock keys ...`.

/** "payments.*,demo.echo" → ["payments.*", "demo.echo"]; an empty string is the empty list (no tools). */
export function toolList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

export async function createAgentCommand(id: string, options: { team: string; name?: string; owner?: string; tools?: string; by?: string }): Promise<string> {
  return withDb(async (db) => {
    const agent = await runUseCase({ db }, await cliOperator(db, options.by), createAgent, {
      id,
      team: options.team,
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...(options.owner !== undefined ? { ownerId: options.owner } : {}),
      ...(options.tools !== undefined ? { allowedTools: toolList(options.tools) } : {}),
    });
    return `created agent ${agent.id} (team ${agent.team}, owner ${agent.ownerId ?? 'none'}, tools ${agent.allowedTools.join(', ') || 'none'}); mint its key with: npm run airlock -- keys mint --agent ${agent.id}`;
  });
}

export async function updateAgentCommand(id: string, options: { team?: string; name?: string; owner?: string; noOwner?: boolean; tools?: string; by?: string }): Promise<string> {
  return withDb(async (db) => {
    const agent = await runUseCase({ db }, await cliOperator(db, options.by), updateAgent, {
      id,
      ...(options.team !== undefined ? { team: options.team } : {}),
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...(options.owner !== undefined ? { ownerId: options.owner } : options.noOwner ? { ownerId: null } : {}),
      ...(options.tools !== undefined ? { allowedTools: toolList(options.tools) } : {}),
    });
    return `updated agent ${agent.id}: team ${agent.team}, owner ${agent.ownerId ?? 'none'}, tools ${agent.allowedTools.join(', ') || 'none'}`;
  });
}

export async function disableAgentCommand(id: string, options: { reason: string; by?: string }): Promise<string> {
  return withDb(async (db) => {
    const result = await runUseCase({ db }, await cliOperator(db, options.by), disableAgent, { id, reason: options.reason });
    return result.changed ? `disabled agent ${id}; revoked ${result.revokedKeys} key(s)` : `agent ${id} was already disabled`;
  });
}
