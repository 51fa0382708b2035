import { EnvError } from '@airlock/core/env';
import { createDb } from '@airlock/db';
import { createLogger, startTracing, tracingClientInterceptors, tracingConfig } from '@airlock/telemetry';
import { NOT_CONFIGURED_LINE, processEnvironment, readSlackAppEnv, readStandaloneEnv, slackConfigured } from './env.js';
import { startSlackApp } from './start.js';
import { temporalConnectionSettings } from '@airlock/core/temporal';

// The Slack app on its own (`npm start -w @airlock/slack`), against an external
// Temporal and database; `npm start` runs it in-process instead.

function readEnvOrExit<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    // No logger yet: its own settings are among what failed to parse.
    console.error(`airlock slack: ${error.message}`);
    process.exit(1);
  }
}

const appEnv = readEnvOrExit(() => readSlackAppEnv());
const logger = createLogger({ name: 'airlock-slack', level: appEnv.LOG_LEVEL, format: appEnv.AIRLOCK_LOG_FORMAT });
if (!slackConfigured(appEnv)) {
  logger.info(NOT_CONFIGURED_LINE);
} else {
  const env = readEnvOrExit(() => readStandaloneEnv());
  const tracing = await startTracing(tracingConfig(env, 'airlock-slack'), { logger });
  const db = createDb(env.DATABASE_URL, { statements: env.AIRLOCK_DB_STATEMENTS });
  const running = await startSlackApp({
    env: processEnvironment(),
    db,
    databaseUrl: env.DATABASE_URL,
    temporal: {
      connection: temporalConnectionSettings(env, env.TEMPORAL_ADDRESS),
      namespace: env.TEMPORAL_NAMESPACE,
      interceptors: tracingClientInterceptors(tracing),
    },
    logger,
  });
  const stop = async () => {
    await running?.stop();
    await db.close();
    await tracing?.shutdown();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void stop().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'stopping failed');
          process.exit(1);
        },
      );
    });
  }
}
