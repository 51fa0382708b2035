export { inboxApprovals, inboxFacets, InboxFilters } from './inbox/query.js';
export { auditPage, AuditFilters } from './audit/query.js';
export { auditConditions } from './audit/conditions.js';
export { isSameOrigin } from './auth/origin.js';
export { diffArgs } from './actions/args-diff.js';
export { csvCell, csvLine, jsonLine } from './audit/export-format.js';
export { analyticsReport } from './analytics/report.js';
export { analyticsRange, AnalyticsWindowParam } from './analytics/window.js';
export { RUBBER_STAMP_FAST_SECONDS, RUBBER_STAMP_MIN_STREAK } from './analytics/rubber-stamp.js';
