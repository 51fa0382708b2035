import type { AddressInfo } from 'node:net';
import { parseEnv } from '@airlock/core/env';
import type { Db } from '@airlock/db';
import { createLogger, type Logger } from '@airlock/telemetry';
import { Client, Connection, type ClientInterceptors, type ConnectionOptions, type DataConverter } from '@temporalio/client';
import { createBoltApp, EVENTS_ENDPOINT, notifierClient } from './app.js';
import { NOT_CONFIGURED_LINE, slackAppEnv, slackConfigured } from './env.js';
import { slackLogger } from './logger.js';
import { AuditTail } from './notifier/audit-tail.js';
import { ApprovalNotifier } from './notifier/notifier.js';
import { SlackDirectory } from './users.js';

export interface StartSlackAppOptions {
  /** Where SLACK_*, AIRLOCK_SLACK_*, AIRLOCK_CONSOLE_URL, AIRLOCK_PAYLOAD_KEYS, LOG_LEVEL and AIRLOCK_LOG_FORMAT are read (usually process.env). */
  env: Record<string, string | undefined>;
  db: Db;
  /** The same database, for the dedicated LISTEN connection of the audit tail. */
  databaseUrl: string;
  /**
   * A Temporal Client that already uses the workers' data converter, or how to
   * connect one (it then gets the payload codec from AIRLOCK_PAYLOAD_KEYS, and
   * the tracing interceptors when given).
   */
  temporal: Client | { connection: ConnectionOptions; namespace: string; interceptors?: ClientInterceptors | undefined };
  /** Fallback poll of the audit log when no notification arrives (default 5 s). */
  pollIntervalMs?: number;
  /** How long a message Slack failed to take is retried before it is given up and audited (default 1 h). */
  deliveryGiveUpMs?: number;
  /** How long a click waits for a worker to confirm the decision (default 20 s). */
  decisionWaitMs?: number;
  /** How long a click on a message Slack has just posted waits for the notifier to record it (default 2 s). */
  postWaitMs?: number;
  /** Where the app, Bolt and the notifier log (default: a logger from LOG_LEVEL and AIRLOCK_LOG_FORMAT). */
  logger?: Logger;
}

export interface RunningSlackApp {
  mode: 'http' | 'socket';
  /** HTTP mode: the Request URL path is served here (put it behind your public HTTPS endpoint). */
  url?: string;
  port?: number;
  stop(): Promise<void>;
}

/**
 * Starts the Slack app: the Bolt receiver for clicks and modals, and the notifier
 * that follows the audit log to post and update approval messages. Returns
 * undefined (after one log line) when Slack is not configured.
 */
export async function startSlackApp(options: StartSlackAppOptions): Promise<RunningSlackApp | undefined> {
  const env = parseEnv(slackAppEnv, options.env);
  const base = options.logger ?? createLogger({ name: 'airlock-slack', level: env.LOG_LEVEL, format: env.AIRLOCK_LOG_FORMAT });
  if (!slackConfigured(env) || !env.SLACK_BOT_TOKEN || !env.AIRLOCK_SLACK_ROUTES) {
    base.info(NOT_CONFIGURED_LINE);
    return undefined;
  }
  const logger = slackLogger(base, env.LOG_LEVEL);
  let connection: Connection | undefined;
  let temporal: Client;
  if (options.temporal instanceof Client) {
    temporal = options.temporal;
  } else {
    const dataConverter = await payloadConverter(env.AIRLOCK_PAYLOAD_KEYS);
    connection = await Connection.connect(options.temporal.connection);
    const { namespace, interceptors } = options.temporal;
    temporal = new Client({ connection, namespace, dataConverter, ...(interceptors ? { interceptors } : {}) });
  }

  const { app, mode } = createBoltApp(
    {
      botToken: env.SLACK_BOT_TOKEN,
      ...(env.SLACK_SIGNING_SECRET ? { signingSecret: env.SLACK_SIGNING_SECRET } : {}),
      ...(env.SLACK_APP_TOKEN ? { appToken: env.SLACK_APP_TOKEN } : {}),
      ...(env.SLACK_API_URL ? { apiUrl: env.SLACK_API_URL } : {}),
      logger,
    },
    { db: options.db, temporal, decisionWaitMs: options.decisionWaitMs ?? 20_000, postWaitMs: options.postWaitMs ?? 2_000 },
  );
  const pollIntervalMs = options.pollIntervalMs ?? 5_000;
  const notifierSlack = notifierClient({ botToken: env.SLACK_BOT_TOKEN, ...(env.SLACK_API_URL ? { apiUrl: env.SLACK_API_URL } : {}), logger });
  const notifier = new ApprovalNotifier({
    db: options.db,
    slack: notifierSlack,
    routes: env.AIRLOCK_SLACK_ROUTES,
    consoleUrl: env.AIRLOCK_CONSOLE_URL,
    dmAssignees: env.AIRLOCK_SLACK_DM_ASSIGNEES,
    // Its own, on the notifier's client: a rate-limited users.lookupByEmail fails at once instead of
    // sleeping through Retry-After with the click path's client (Bolt's) paused.
    directory: new SlackDirectory(options.db, notifierSlack),
    logger,
    retryDelayMs: pollIntervalMs,
    ...(options.deliveryGiveUpMs !== undefined ? { giveUpAfterMs: options.deliveryGiveUpMs } : {}),
    leads: () => tail.isLeader,
  });
  const tail: AuditTail = new AuditTail({
    db: options.db,
    databaseUrl: options.databaseUrl,
    consumer: 'slack',
    pollIntervalMs,
    onEvents: (events) => notifier.handle(events),
    onLeader: () => notifier.catchUp(),
    afterDrain: async () => {
      await notifier.retryOwed();
    },
    logger,
  });

  let url: string | undefined;
  let port: number | undefined;
  try {
    if (mode === 'http') {
      const server = await app.start({ port: env.AIRLOCK_SLACK_PORT, host: env.AIRLOCK_SLACK_HOST });
      port = (server.address() as AddressInfo).port;
      url = `http://${env.AIRLOCK_SLACK_HOST}:${port}${EVENTS_ENDPOINT}`;
      logger.info(`Slack: receiving interactions at ${url} (signed requests only)`);
    } else {
      await app.start();
      logger.info('Slack: connected with Socket Mode');
    }
  } catch (error) {
    await connection?.close();
    throw error;
  }
  tail.start();

  return {
    mode,
    ...(url ? { url } : {}),
    ...(port !== undefined ? { port } : {}),
    async stop() {
      await tail.stop();
      await app.stop();
      await connection?.close();
    },
  };
}

/**
 * The workers' data converter for a client this app connects itself. @airlock/codec
 * is loaded only here: it cannot be imported under plain Node ESM (tsx) yet, and an
 * in-process caller passes its own Client.
 */
async function payloadConverter(keys: string | undefined): Promise<DataConverter> {
  if (keys === undefined) return {};
  const codec = await import('@airlock/codec');
  return codec.dataConverterFor(codec.parseKeyring(keys));
}
