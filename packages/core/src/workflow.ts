/**
 * What workflow code may import from @airlock/core at runtime: Update and Query
 * definitions, names and pure helpers, without zod or any schema (see messages.ts
 * for why). Types come from `@airlock/core` with `import type`, which the bundle never loads.
 */
export * from './messages.js';
export * from './names.js';
export * from './round-deadline.js';
export * from './timeout-reason.js';
export { storedTextProblem } from './json-limits.js';
