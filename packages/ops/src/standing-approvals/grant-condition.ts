import { compileCondition, createPolicyEnvironment, type PolicyProblem } from '@airlock/policy';
import { OpsError } from '../errors.js';

// The environment admission checks grants in, so what compiles here is what runs there.
const grantEnv = createPolicyEnvironment();

/** A standing approval's CEL condition must compile to a boolean, or it is refused naming the error and its column. */
export function checkGrantCondition(condition: string): void {
  const problems: PolicyProblem[] = [];
  compileCondition(grantEnv, condition, 'condition', undefined, problems);
  if (problems.length === 0) return;
  const issues = problems.map((p) => ({ path: 'condition', message: p.column === undefined ? p.message : `column ${p.column}: ${p.message}` }));
  throw new OpsError('invalid', `invalid condition: ${issues.map((i) => i.message).join('; ')}`, issues);
}
