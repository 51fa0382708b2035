import { createApiKey, type Db } from '@airlock/db';
import { BENCH_APPROVER } from '../airlock/worker.js';
import { ensureConsoleBuilt, startConsole } from '../console-scale/console-server.js';
import { signIn } from '../console-scale/session.js';
import type { DecisionChannel } from './channel.js';
import { restHttpChannel } from './rest.js';
import { decideActionId, serverActionChannel } from './server-action.js';

/** The names of these channels in the targets table (rows marked n/a when the console is skipped). */
export const CONSOLE_CHANNEL_NAMES = ['REST over HTTP', 'server action'];

export interface ConsoleDecisions {
  channels: DecisionChannel[];
  stop(): Promise<void>;
}

/**
 * The built console (`next build` if the tree changed since the last build,
 * then `next start`) on this run's database and Temporal server, with the
 * approver signed in the way a browser signs in: REST over HTTP with the
 * approver's API key, and the `decide` server action with the session cookie.
 */
export async function startConsoleDecisions(db: Db, databaseUrl: string, temporalAddress: string, taskQueue: string, log: (line: string) => void): Promise<ConsoleDecisions> {
  await ensureConsoleBuilt(log);
  const app = await startConsole(databaseUrl, { TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_TASK_QUEUE: taskQueue });
  try {
    const apiKey = (await createApiKey(db, { userId: BENCH_APPROVER }, 'bench console')).key;
    const cookie = await signIn(app.url, apiKey);
    return { channels: [restHttpChannel(app.url, apiKey), serverActionChannel(app.url, cookie, await decideActionId())], stop: () => app.stop() };
  } catch (error) {
    await app.stop();
    throw error;
  }
}
