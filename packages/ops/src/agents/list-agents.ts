import type { Db } from '@airlock/db';
import { AGENT_COLUMNS, toAgentRecord, type AgentRecord } from './agent-row.js';

/** Every agent, by id (a read: no audit row). */
export async function listAgents(db: Db): Promise<AgentRecord[]> {
  const { rows } = await db.pool.query<Parameters<typeof toAgentRecord>[0]>(`SELECT ${AGENT_COLUMNS} FROM agents ORDER BY id`);
  return rows.map(toAgentRecord);
}
