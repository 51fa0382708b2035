// The domain schemas and client errors without Temporal or Node-only modules, for
// code that must stay light and portable: the SDK's REST entry, browsers, other hosts.
export * from './risk.js';
export * from './action.js';
export * from './decision.js';
export * from './status.js';
export * from './canonical-json.js';
export * from './errors.js';
export * from './plan.js';
export * from './client-errors.js';
export * from './denial-text.js';
