export { compilePolicy, compileCondition, toolMatcher, type CompiledPolicy, type CompiledRule, type CompiledRateLimit } from './compile.js';
export { evaluatePolicy, isUnknownToolDenial, escalateToApproval, denyWith, approvalRequirement, applicableRateLimits, type PolicyInput } from './evaluate.js';
export { createPolicyEnvironment, type PolicyContext } from './cel.js';
export { PolicyError, PolicyFileUnreadableError, fileErrorReason, formatProblem, type PolicyProblem } from './errors.js';
export { PolicyFile, Rule, RateLimit, ApprovalSpec } from './schema.js';
export { Duration } from './duration.js';
export { fieldReads, readTouches } from './field-reads.js';
export { plainZodIssue } from './zod-wording.js';
export { classifyPlan, type ClassifiedPlan, type PlanClassification } from './plan.js';
