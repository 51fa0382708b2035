export { bundleWorkflows, createAirlockWorker, workflowsPath, type AirlockWorkerOptions } from './worker.js';
