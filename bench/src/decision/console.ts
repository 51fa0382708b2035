import path from 'node:path';
import { createApiKey, type Db } from '@airlock/db';
import { BENCH_APPROVER } from '../airlock/worker.js';
import { consoleDir, ensureConsoleBuilt, startConsole, type RunningConsole } from '../console-scale/console-server.js';
import { signIn } from '../console-scale/session.js';
import { BASELINE, THIS_TREE, type DecisionChannel } from './channel.js';
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
 * With `baselineDir` (--console-baseline), that directory's build is started
 * too and its two channels follow this tree's.
 */
export async function startConsoleDecisions(
  db: Db,
  databaseUrl: string,
  temporalAddress: string,
  taskQueue: string,
  log: (line: string) => void,
  baselineDir?: string,
): Promise<ConsoleDecisions> {
  await ensureConsoleBuilt(log);
  const apps: RunningConsole[] = [];
  const stop = () => Promise.all(apps.map((app) => app.stop())).then(() => undefined);
  try {
    const channels: DecisionChannel[] = [];
    for (const [dir, variant] of [[consoleDir, THIS_TREE], ...(baselineDir ? [[path.resolve(baselineDir), BASELINE] as const] : [])] as const) {
      const app = await startConsole(databaseUrl, { TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_TASK_QUEUE: taskQueue }, dir);
      apps.push(app);
      const apiKey = (await createApiKey(db, { userId: BENCH_APPROVER }, `bench console${variant.label}`)).key;
      const cookie = await signIn(app.url, apiKey);
      channels.push(restHttpChannel(app.url, apiKey, variant), serverActionChannel(app.url, cookie, await decideActionId(dir), variant));
    }
    return { channels, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
