// Who acts and how a refusal reads: what every channel needs before any use case, without loading one.
export { type Operator, type OperatorChannel, userOperator } from './operator.js';
export { OpsError, type OpsErrorCode, type OpsIssue } from './ops-error.js';
export { operatorForUser } from './operator-lookup.js';
