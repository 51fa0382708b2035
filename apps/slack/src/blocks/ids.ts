import { z } from 'zod';

/** Block Kit ids the listeners match on; one place so builders and listeners agree. */
export const ACTION_APPROVE = 'airlock_approve';
export const ACTION_DENY = 'airlock_deny';
export const ACTION_OPEN_CONSOLE = 'airlock_open_console';
export const ACTION_REMEMBER = 'airlock_remember';
export const DECISION_BLOCK = 'airlock_decision';
export const DENY_MODAL = 'airlock_deny_modal';
export const REMEMBER_MODAL = 'airlock_remember_modal';
export const USES_BLOCK = 'uses';
export const HOURS_BLOCK = 'valid_for_hours';
export const REASON_BLOCK = 'reason';
/**
 * Per argument shown, by its index: `bound:<i>` (any / same / at most; the options' values name the argument), and
 * `cap:<i>` for the cap. An argument's name can be longer than a block id may be (255).
 */
export const BOUND_BLOCK_PREFIX = 'bound:';
export const CAP_BLOCK_PREFIX = 'cap:';
export const FEEDBACK_BLOCK = 'feedback';
export const COMMENT_BLOCK = 'comment';
export const TEXT_INPUT = 'value';

/**
 * What a button carries: the action, the round and the hash of the arguments the
 * approver was shown, so a decision binds to exactly those arguments.
 */
export const DecisionRef = z.object({
  actionId: z.string().min(1).max(200),
  round: z.number().int().min(1),
  argsHash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type DecisionRef = z.infer<typeof DecisionRef>;

export function encodeRef(ref: DecisionRef): string {
  return JSON.stringify(ref);
}

/** undefined when the value is not one of ours. */
export function decodeRef(value: string | undefined): DecisionRef | undefined {
  if (!value) return undefined;
  try {
    const parsed = DecisionRef.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** What the deny modal remembers between opening and submission. */
export const DenyModalState = DecisionRef.extend({ channel: z.string().min(1), messageTs: z.string().optional() });
export type DenyModalState = z.infer<typeof DenyModalState>;

/** What the approve-and-remember modal remembers between opening and submission: the same as the deny modal's. */
export const RememberModalState = DenyModalState;
export type RememberModalState = DenyModalState;
