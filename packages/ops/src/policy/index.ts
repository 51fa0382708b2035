export { backtestPolicy, BacktestInput, type BacktestReport, type BacktestRow, type Transition } from './backtest.js';
export { compareRecorded, type RecordedAction, type RecordedComparison, type UnknownRead } from './recorded-comparison.js';
export { setShadowPolicy, clearShadowPolicy, readShadowPolicy, SetShadowPolicyInput, ClearShadowPolicyInput, type ShadowPolicyRecord } from './shadow-policy.js';
export { shadowSummary, type ShadowSummary, type ShadowDifferenceRecord } from './shadow-summary.js';
