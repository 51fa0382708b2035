import { createActivities, defaultActivityDeps } from '@airlock/activities';
import type { GuardedActionInput } from '@airlock/core';
import type { Db } from '@airlock/db';
import { MockActivityEnvironment } from '@temporalio/testing';
import { defaultPolicy } from './harness.js';

export type SeededActivities = ReturnType<typeof createActivities>;
export type FastPath = Awaited<ReturnType<SeededActivities['admitAndRun']>>;

/**
 * The worker's real activities over `db` with the demo tools and the default
 * policy, called without a worker: for tests that drive admission themselves
 * (a Temporal retry, a lock interleaving) against a database seeded by seedTeam.
 */
export function seededActivities(db: Db): { activities: SeededActivities; admitAndRun: (input: GuardedActionInput) => Promise<FastPath> } {
  const activities = createActivities(defaultActivityDeps(db, defaultPolicy()));
  const admitAndRun = (input: GuardedActionInput) =>
    new MockActivityEnvironment().run<[GuardedActionInput], FastPath, (i: GuardedActionInput) => Promise<FastPath>>((i) => activities.admitAndRun(i), input);
  return { activities, admitAndRun };
}
