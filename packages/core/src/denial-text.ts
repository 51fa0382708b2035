import type { ActionOutcome } from './action.js';

type Denial = Pick<Extract<ActionOutcome, { status: 'denied' }>, 'reason' | 'deniedBy' | 'feedback'>;

/**
 * A denial as the model reads it, the approver named once: `denied by carol: <comment>. Feedback:
 * <feedback>`. Without a comment the reason is only `denied by <id>`, so it is left out; a denial
 * by policy (no approver) reads `denied: <reason>`. `lead` replaces the leading "denied" where the
 * text stands alone (the MCP gateway's `Denied in Airlock by carol…`). The Python client mirrors
 * this (clients/python/src/airlock_client/client.py, `refusal_text`).
 */
export function denialText(denial: Denial, lead = 'denied'): string {
  const by = denial.deniedBy ? ` by ${denial.deniedBy}` : '';
  const why = denial.deniedBy && denial.reason === `denied by ${denial.deniedBy}` ? '' : `: ${denial.reason}`;
  return `${lead}${by}${why}${denial.feedback ? `. Feedback: ${denial.feedback}` : ''}`;
}
