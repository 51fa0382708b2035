import { defaultActivityDeps } from '@airlock/activities';
import type { CompiledPolicy } from '@airlock/policy';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';
import { FakeSlackApi, type FakeSlackUser } from './fake-slack-api.js';

/** What a Slack test file runs against: the harness (Temporal, PostgreSQL, the team seeded) and the fake Web API. */
export interface SlackTestBed {
  h: Harness;
  fake: FakeSlackApi;
}

export interface SlackTestBedOptions {
  /** The token the fake accepts (the app's SLACK_BOT_TOKEN). */
  botToken: string;
  /** The Slack accounts the fake knows. */
  users: FakeSlackUser[];
  /** The policy admission reads, asked at each action (a file switches it per test); the default policy without it. */
  policy?: () => CompiledPolicy;
}

/** Starts a Slack test file's harness, seeds the team and starts the fake Web API (for its beforeAll). */
export async function startSlackTestBed(options: SlackTestBedOptions): Promise<SlackTestBed> {
  const { policy } = options;
  const h = await startHarness(policy ? { deps: (db) => defaultActivityDeps(db, { current: policy }) } : {});
  try {
    await seedTeam(h.db);
    return { h, fake: await FakeSlackApi.start({ token: options.botToken, users: options.users }) };
  } catch (error) {
    await h.close();
    throw error;
  }
}

/** Stops the app still running, then closes the fake and the harness (for its afterAll; any may be missing, its start having failed). */
export async function closeSlackTestBed(bed: { app?: { stop(): Promise<unknown> } | undefined } & Partial<SlackTestBed>): Promise<void> {
  await bed.app?.stop();
  await bed.fake?.close();
  await bed.h?.close();
}
