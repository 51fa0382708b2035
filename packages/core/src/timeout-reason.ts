/**
 * The reason a round's deadline closes it with (`approval.timed_out`), and the timeout outcome read back from it: the
 * row has no field of its own for the outcome, so the words are the contract, written and read here only (the
 * workflow writes them; the webhooks' `action.decided` and Slack's "approved by the timeout rule" read them). Pure:
 * workflow code imports it through `@airlock/core/workflow`.
 */
export function timeoutReason(deadline: string, outcome: string): string {
  return `no decision before ${deadline}; ${OUTCOME_LEAD}${outcome}`;
}

/** The timeout outcome a closing reason names (`approve`, `deny`, ...), or undefined when it names none. */
export function timeoutOutcomeOf(reason: string): string | undefined {
  return TIMEOUT_OUTCOME.exec(reason)?.[1];
}

const OUTCOME_LEAD = 'timeout outcome: ';
const TIMEOUT_OUTCOME = new RegExp(`; ${OUTCOME_LEAD}([a-z_]+)$`);
