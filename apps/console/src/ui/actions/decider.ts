import type { Role } from '@airlock/core';

/** What a console decision needs of the signed-in person (a ConsoleUser is one). */
export interface Decider {
  userId: string;
  role: Role;
}
