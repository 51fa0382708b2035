import { useSyncExternalStore } from 'react';

const noSubscription = () => () => undefined;

/**
 * False in the server's HTML and while React hydrates, true after. The policy
 * forms keep their controlled fields read-only and their submit buttons disabled
 * until then, so nothing is typed into or submitted from a form that is not live yet.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
}
