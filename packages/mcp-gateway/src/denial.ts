import { denialText as modelDenialText, type ActionOutcome } from '@airlock/core/portable';

/**
 * A denial as the model reads it from the gateway or the hook, where the text stands alone:
 * `Denied in Airlock by carol: <comment>. Feedback: <feedback>` (the SDK's adapters put their own
 * lead before `denied by carol…`; one formatter, @airlock/core's denialText).
 */
export function denialText(denial: Pick<Extract<ActionOutcome, { status: 'denied' }>, 'reason' | 'deniedBy' | 'feedback'>): string {
  return modelDenialText(denial, 'Denied in Airlock');
}
