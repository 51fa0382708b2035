import type { Facts } from './facts.js';

/** One broken invariant, with enough to find the action in the database and in Temporal. */
export interface Violation {
  invariant: string;
  actionId?: string;
  detail: string;
}

export type Check = (facts: Facts) => Violation[];
