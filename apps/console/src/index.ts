// The framework-free REST API: handlers take a web Request and an ApiContext,
// so tests (and any other host) call them without Next.js.
export type { ApiContext } from './server/context.js';
export { postAction } from './server/handlers/post-action.js';
export { getAction } from './server/handlers/get-action.js';
export { getOutcome } from './server/handlers/get-outcome.js';
export { postDecision } from './server/handlers/post-decision.js';
export { getApprovals } from './server/handlers/list-approvals.js';
export { getAudit } from './server/handlers/list-audit.js';
export { getAuditVerification } from './server/handlers/verify-audit.js';
export { getOpenApi } from './server/handlers/get-openapi.js';
export { unknownEndpoint } from './server/handlers/not-found.js';
export { openApiDocument } from './server/openapi.js';
export * as schemas from './server/schemas.js';
