import { EnvError } from '@airlock/core/env';
import { createDb } from '@airlock/db';
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
    console.error(`airlock slack: ${error.message}`);
    process.exit(1);
  }
}

if (!slackConfigured(readEnvOrExit(() => readSlackAppEnv()))) {
  console.log(NOT_CONFIGURED_LINE);
} else {
  const env = readEnvOrExit(() => readStandaloneEnv());
  const db = createDb(env.DATABASE_URL);
  const running = await startSlackApp({
    env: processEnvironment(),
    db,
    databaseUrl: env.DATABASE_URL,
    temporal: { connection: temporalConnectionSettings(env, env.TEMPORAL_ADDRESS), namespace: env.TEMPORAL_NAMESPACE },
  });
  const stop = async () => {
    await running?.stop();
    await db.close();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void stop().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(`airlock slack: stopping failed: ${error instanceof Error ? error.message : String(error)}`);
          process.exit(1);
        },
      );
    });
  }
}
