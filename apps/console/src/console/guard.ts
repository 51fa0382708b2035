import { roleAtLeast, type Role } from '@airlock/core';
import { headers } from 'next/headers';
import { consoleConfig } from '../env.js';
import { isSameOrigin } from './origin.js';
import { signedInUser, type ConsoleUser } from './session.js';

/** Every cookie-authenticated write (server action or route) starts here: same origin, a live session, and the role the write needs. */
export async function actionUser(role: Role): Promise<{ user: ConsoleUser } | { refusal: string; status: 401 | 403 }> {
  if (!isSameOrigin(await headers(), consoleConfig().AIRLOCK_PUBLIC_URL)) return { refusal: 'Refused: the request did not come from this console.', status: 403 };
  const user = await signedInUser();
  if (!user) return { refusal: 'Your session has ended. Sign in again.', status: 401 };
  if (!roleAtLeast(user.role, role)) return { refusal: `Your role (${user.role}) may not do this; ${role} or higher is required.`, status: 403 };
  return { user };
}
