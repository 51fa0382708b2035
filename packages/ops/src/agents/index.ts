export { createAgent, CreateAgentInput } from './create-agent.js';
export { updateAgent, UpdateAgentInput, UpdateAgentChanges } from './update-agent.js';
export { disableAgent, DisableAgentInput } from './disable-agent.js';
export { listAgents } from './list-agents.js';
export type { AgentRecord } from './agent-row.js';
