export { backtestPolicy, BacktestInput, type BacktestReport, type BacktestRow, type Transition, type ApprovalTotals, type ApprovalTermShift } from './backtest.js';
export { compareRecorded, type RecordedAction, type RecordedComparison, type UnknownRead } from './recorded-comparison.js';
export { approvalTermChanges, approvalShift, approvalText, type ApprovalTerm, type ApprovalTermChange, type ApprovalShift, type Verdict } from './outcome-change.js';
export { setShadowPolicy, clearShadowPolicy, readShadowPolicy, SetShadowPolicyInput, ClearShadowPolicyInput, type ShadowPolicyRecord } from './shadow-policy.js';
export { shadowSummary, type ShadowSummary, type ShadowDifferenceRecord } from './shadow-summary.js';
