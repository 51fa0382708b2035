import type { Db } from '@airlock/db';
import { authenticate, type Principal } from './auth.js';
import { unauthenticated } from './errors.js';

/**
 * A long poll's caller, checked again before its answer goes out. The key was checked when the request came in,
 * and a wait (up to 30 s) can outlive it: revoked or rotated, expired, its agent or person disabled. Without this,
 * a gate-only agent cut off during its wait still got the authorization and ran the tool. Authentication run again
 * on the same key (a 401 with its message; the key's last use is written again): the route's access rules are not,
 * since a key's role and owner are not what revocation changes.
 */
export async function refuseEndedCaller(request: Request, db: Db, principal: Principal): Promise<void> {
  const now = await authenticate(request, db);
  if (now.keyId !== principal.keyId) throw unauthenticated('unknown or revoked API key');
}
