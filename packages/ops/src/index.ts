export { suspendAndCancel, resumeScope, type KillScope, type SuspendResult } from './kill-switch.js';
