import type { ActionOutcome } from '@airlock/core/portable';

/**
 * A denial as the model reads it, the approver named once: `Denied in Airlock by carol: <comment>.
 * Feedback: <feedback>`. Without a comment the reason is just `denied by <id>`, so it is left out.
 */
export function denialText(denial: Pick<Extract<ActionOutcome, { status: 'denied' }>, 'reason' | 'deniedBy' | 'feedback'>): string {
  const by = denial.deniedBy ? ` by ${denial.deniedBy}` : '';
  const why = denial.deniedBy && denial.reason === `denied by ${denial.deniedBy}` ? '' : `: ${denial.reason}`;
  return `Denied in Airlock${by}${why}${denial.feedback ? `. Feedback: ${denial.feedback}` : ''}`;
}
