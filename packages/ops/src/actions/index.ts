export { checkEditedArgs, decide, DecideInput, DEFAULT_DECISION_WAIT_MS, type DecisionDeps } from './decide.js';
export { approveAndRemember, ApproveAndRememberInput, rememberAccepted, type RememberedApproval } from './approve-and-remember.js';
export { RememberBound, boundKindsFor, conditionFromBounds, rememberableArgs, type RememberableArg } from './remember-bounds.js';
export { cancelAction, CancelActionInput, type Canceller, type CancelRequested } from './cancel-action.js';
export { resolveCompensation, ResolveCompensationInput } from './resolve-compensation.js';
export { listPending, openRoundArgsHash, type PendingApproval } from './pending.js';
export { personLabel } from './round-closed.js';
