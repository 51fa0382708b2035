export { inboxApprovals, inboxFacets, InboxFilters } from './inbox.js';
export { auditPage, AuditFilters, resolvedAuditWhere } from './audit-query.js';
export { isSameOrigin } from './origin.js';
export { diffArgs } from './args-diff.js';
export { csvCell, csvLine, jsonLine } from './audit-format.js';
export { analyticsReport } from './analytics.js';
export { analyticsRange, AnalyticsWindowParam } from './analytics-window.js';
export { RUBBER_STAMP_FAST_SECONDS, RUBBER_STAMP_MIN_STREAK } from './analytics-rubber-stamp.js';
