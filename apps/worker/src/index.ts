export { bundleWorkflows, createAirlockWorker, workflowsPath, type AirlockWorkerOptions } from './worker.js';
export { temporalConnectionSettings, type TemporalConnectionSettings } from '@airlock/core/temporal';
