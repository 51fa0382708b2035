import { createDb } from '@airlock/db';
import { startSlackApp } from '@airlock/slack';

// The Slack app in a process of its own, for tests that kill it (SIGKILL) and start it again:
// startSlackApp as apps/slack/src/main.ts runs it, with the two timings a test shortens
// (AIRLOCK_TEST_SLACK_POLL_MS, AIRLOCK_TEST_SLACK_GIVE_UP_MS). Everything else comes from the
// environment the test sets (SLACK_*, AIRLOCK_SLACK_*, DATABASE_URL, TEMPORAL_ADDRESS).

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`slack-app-process: ${name} is not set`);
  return value;
};

const databaseUrl = required('DATABASE_URL');
const db = createDb(databaseUrl, { poolSize: 3 });
const running = await startSlackApp({
  env: process.env,
  db,
  databaseUrl,
  temporal: { connection: { address: required('TEMPORAL_ADDRESS') }, namespace: 'default' },
  pollIntervalMs: Number(required('AIRLOCK_TEST_SLACK_POLL_MS')),
  deliveryGiveUpMs: Number(required('AIRLOCK_TEST_SLACK_GIVE_UP_MS')),
});
if (!running) throw new Error('slack-app-process: Slack is not configured');
process.once('SIGTERM', () => {
  void running
    .stop()
    .then(() => db.close())
    .then(() => process.exit(0));
});
