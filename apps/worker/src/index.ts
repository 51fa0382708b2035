export { bundleWorkflows, createAirlockWorker, workflowsPath, type AirlockWorkerOptions } from './worker.js';
export { temporalConnectionSettings, type TemporalConnectionSettings } from './temporal-options.js';
