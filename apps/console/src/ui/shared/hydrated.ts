import { useSyncExternalStore } from 'react';

const noSubscription = () => () => undefined;

/**
 * False in the server's HTML and while React hydrates, true after. A controlled
 * field that someone fills before hydration is reset to its state by React (the
 * typed text is lost, and a form would submit the initial value): such fields stay
 * read-only, and their submit buttons disabled, until the page is live.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
}
