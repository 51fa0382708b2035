export { inboxApprovals, inboxFacets, InboxFilters } from './inbox.js';
export { auditPage, AuditFilters, resolvedAuditWhere } from './audit-query.js';
export { isSameOrigin } from './origin.js';
export { diffArgs } from './args-diff.js';
export { csvCell, csvLine, jsonLine } from './audit-format.js';
