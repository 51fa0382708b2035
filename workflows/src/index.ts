export { guardedAction } from './guarded-action.js';
export { agentRun } from './agent-run.js';
