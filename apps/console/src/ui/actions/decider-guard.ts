import { actionUser, type Guarded } from '../auth/guard.js';

/**
 * The guard of every console decision (the server actions and POST /api/console/decisions): same origin and a live
 * session, any role. The role is the decision use case's to check (requireRole), so a person below approver is
 * refused there and their attempt audited (`operator.forbidden`), as over REST; refusing them here left no trace.
 */
export function deciderUser(): Promise<Guarded> {
  return actionUser('viewer');
}
