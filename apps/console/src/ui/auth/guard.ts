import { roleAtLeast, type Role } from '@airlock/core';
import { headers } from 'next/headers';
import { consoleConfig } from '../../env.js';
import { isSameOrigin } from './origin.js';
import { SESSION_ENDED } from '../forms/notice.js';
import { sessionState, type ConsoleUser } from './session.js';

export type Guarded = { user: ConsoleUser } | { refusal: string; status: 401 | 403 };

/** Every cookie-authenticated write (server action or route) starts here: same origin, a live session, and the role the write needs. */
export async function actionUser(role: Role): Promise<Guarded> {
  if (!(await fromThisConsole())) return crossSite;
  const state = await sessionState();
  if (state.status === 'signed_out') return ended;
  if (state.status === 'must_change_password') return { refusal: 'Choose your own password first (Set your password), then try again.', status: 403 };
  if (!roleAtLeast(state.user.role, role)) return { refusal: `Your role (${state.user.role}) may not do this; ${role} or higher is required.`, status: 403 };
  return { user: state.user };
}

/** The one write a one-time password allows: replacing it. Same origin and a live session, any role. */
export async function passwordChangeUser(): Promise<Guarded> {
  if (!(await fromThisConsole())) return crossSite;
  const state = await sessionState();
  return state.status === 'signed_out' ? ended : { user: state.user };
}

const crossSite = { refusal: 'Refused: the request did not come from this console.', status: 403 } as const;
const ended = { refusal: SESSION_ENDED, status: 401 } as const;

async function fromThisConsole(): Promise<boolean> {
  return isSameOrigin(await headers(), consoleConfig().AIRLOCK_PUBLIC_URL);
}
