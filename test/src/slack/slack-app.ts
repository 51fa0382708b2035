import { Writable } from 'node:stream';
import { startSlackApp, type RunningSlackApp, type StartSlackAppOptions } from '@airlock/slack';
import { createLogger } from '@airlock/telemetry';
import type { Harness } from '../support/harness.js';
import type { FakeSlackApi } from './fake-slack-api.js';

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
      AIRLOCK_SLACK_ROUTES: JSON.stringify(routes ?? { default: 'C_APPROVALS' }),
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
