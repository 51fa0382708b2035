import { useSyncExternalStore } from 'react';

const noSubscription = () => () => undefined;

/**
 * False in the server's HTML and while React hydrates, true after. The policy
 * forms keep their controlled fields read-only and their submit buttons disabled
 * until then, so nothing is typed into or submitted from a form that is not live yet:
 * hydrating a controlled textarea resets it to the server's text, so a candidate
 * typed before that was silently replaced by the live policy (seen in CI;
 * reproduced, test/src/console/policy-shadow.e2e.test.ts).
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
}
