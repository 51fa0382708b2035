export { grantStandingApproval, GrantStandingApprovalInput, checkGrant, MAX_GRANT_HOURS } from './grant-standing-approval.js';
export { revokeStandingApproval, RevokeStandingApprovalInput } from './revoke-standing-approval.js';
