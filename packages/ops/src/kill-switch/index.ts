export { suspendAndCancel, resumeScope, SuspendInput, ResumeInput, type KillScope, type SuspendResult } from './suspend.js';
export { scopeTarget } from './scope-target.js';
