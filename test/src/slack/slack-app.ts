import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { startSlackApp, type RunningSlackApp, type StartSlackAppOptions } from '@airlock/slack';
import { createLogger } from '@airlock/telemetry';
import { inject } from 'vitest';
import { repoRoot } from '../support/binaries.js';
import { spawnChild, type Child } from '../support/child.js';
import type { Harness } from '../support/harness.js';
import type { FakeSlackApi, PostedMessage } from './fake-slack-api.js';

/** Where the tests' routes send an approval unless they say otherwise. */
export const APPROVALS_CHANNEL = 'C_APPROVALS';

/** The message the app posted for the action to `channel` (a channel id, or a user id for a DM), once Slack took it. */
export async function postedMessage(fake: FakeSlackApi, actionId: string, channel = APPROVALS_CHANNEL): Promise<PostedMessage> {
  const call = await fake.waitForCall('chat.postMessage', (c) => c.args.channel === channel && JSON.stringify(c.args.blocks).includes(actionId) && c.response.ok === true);
  const { channel: conversation, ts } = call.response as { channel: string; ts: string };
  return fake.message(conversation, ts)!;
}

/** One line the Slack app logged (JSON). */
export interface SlackLogLine {
  level: number;
  msg: string;
}

export interface TestSlackAppOptions extends Partial<Omit<StartSlackAppOptions, 'env' | 'db' | 'databaseUrl' | 'temporal' | 'logger'>> {
  botToken: string;
  signingSecret: string;
  /** AIRLOCK_SLACK_ROUTES; every tier and team to C_APPROVALS unless given. */
  routes?: unknown;
  /** More settings, over the defaults. */
  env?: Record<string, string>;
  /** Where the app's log lines go, parsed, at level info; without it the app logs at SLACK_TEST_LOG_LEVEL (default error) to stdout. */
  logLines?: SlackLogLine[];
}

/**
 * The real Slack app (Bolt's HTTP receiver on a free loopback port) against the harness's Temporal
 * and database and the fake Slack Web API: what each Slack test file starts, with the settings they share.
 */
export async function startTestSlackApp(h: Harness, fake: FakeSlackApi, options: TestSlackAppOptions): Promise<RunningSlackApp & { url: string }> {
  const { botToken, signingSecret, routes, env, logLines, ...rest } = options;
  const logger =
    logLines &&
    createLogger({
      name: 'airlock-slack',
      level: 'info',
      format: 'json',
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as SlackLogLine);
          done();
        },
      }),
    });
  const started = await startSlackApp({
    env: {
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: fake.url,
      AIRLOCK_SLACK_ROUTES: JSON.stringify(routes ?? { default: APPROVALS_CHANNEL }),
      AIRLOCK_SLACK_PORT: '0',
      AIRLOCK_SLACK_HOST: '127.0.0.1',
      AIRLOCK_CONSOLE_URL: 'http://console.airlock.test',
      LOG_LEVEL: logLines ? 'info' : (process.env.SLACK_TEST_LOG_LEVEL ?? 'error'),
      ...env,
    },
    db: h.db,
    databaseUrl: h.database.url,
    temporal: h.client,
    ...(logger ? { logger } : {}),
    ...rest,
  });
  if (!started?.url) throw new Error('the Slack app did not start in HTTP mode');
  return { ...started, url: started.url };
}

export interface SlackAppProcessOptions {
  botToken: string;
  signingSecret: string;
  pollIntervalMs: number;
  deliveryGiveUpMs: number;
}

export interface SlackAppProcess extends Child {
  /** The Request URL its receiver serves. */
  url: string;
}

/**
 * The Slack app in a process of its own (slack-app-process.ts) against the harness's Temporal and
 * database and the fake Web API, routing everything to APPROVALS_CHANNEL: for tests that SIGKILL it.
 * Started with node directly, so the pid is the app's own. Its log (JSON lines at info) is kept.
 */
export async function startSlackAppProcess(h: Harness, fake: FakeSlackApi, options: SlackAppProcessOptions): Promise<SlackAppProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: h.database.url,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    SLACK_BOT_TOKEN: options.botToken,
    SLACK_SIGNING_SECRET: options.signingSecret,
    SLACK_API_URL: fake.url,
    AIRLOCK_SLACK_ROUTES: JSON.stringify({ default: APPROVALS_CHANNEL }),
    AIRLOCK_SLACK_PORT: '0',
    AIRLOCK_SLACK_HOST: '127.0.0.1',
    AIRLOCK_CONSOLE_URL: 'http://console.airlock.test',
    LOG_LEVEL: 'info',
    AIRLOCK_LOG_FORMAT: 'json',
    AIRLOCK_TEST_SLACK_POLL_MS: String(options.pollIntervalMs),
    AIRLOCK_TEST_SLACK_GIVE_UP_MS: String(options.deliveryGiveUpMs),
  };
  // The test runner's loader hooks, and payload keys or a Socket Mode token from the caller's shell, must not reach it.
  for (const name of ['NODE_OPTIONS', 'AIRLOCK_PAYLOAD_KEYS', 'SLACK_APP_TOKEN']) delete env[name];
  const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), 'slack-app-process.ts');
  const child = await spawnChild('slack app', process.execPath, ['--import', 'tsx', entry], { cwd: repoRoot, env });
  try {
    // An upper bound, not a speed check: tsx compiles the app at each start, slowly on a loaded machine.
    const [, url] = await child.waitForLine(/receiving interactions at (http:\/\/[^\s"]+)/, 300_000);
    return Object.assign(child, { url: url! });
  } catch (error) {
    await child.stop('SIGKILL');
    throw error;
  }
}
