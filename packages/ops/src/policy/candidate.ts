import { compilePolicy, formatProblem, PolicyError, type CompiledPolicy } from '@airlock/policy';
import { z } from 'zod';
import { OpsError } from '../errors.js';
import { storedText, unstorableReason } from '../stored-text.js';

/** A candidate policy's text as an operator hands it over (YAML or JSON, as a policy file). */
export const PolicyText = z
  .string()
  .min(1, 'must not be empty')
  .max(512_000, 'at most 512 000 characters')
  .superRefine((text, ctx) => {
    // Stored in shadow mode: untrimmed (YAML), so not storedText, with its rule.
    const reason = unstorableReason(text);
    if (reason) ctx.addIssue({ code: 'custom', message: reason });
  });
/** Where the text came from (a file name), shown beside its version. */
export const PolicySourceName = storedText(300).default('candidate.yaml');

/**
 * Compiles a candidate with the one policy compiler; a policy that does not
 * compile is refused naming each problem (rule, line) under `field`.
 */
export function compileCandidate(text: string, source: string, field = 'candidate'): CompiledPolicy {
  try {
    return compilePolicy(text, source);
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    const issues = error.problems.map((p) => ({ path: field, message: formatProblem(p) }));
    throw new OpsError('invalid', `${field}: the policy does not compile: ${issues.map((i) => i.message).join('; ')}`, issues);
  }
}
