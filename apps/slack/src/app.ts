import type { Db } from '@airlock/db';
import { App, webApi, type Logger } from '@slack/bolt';
import type { Client } from '@temporalio/client';
import type { ListenerDeps } from './decisions.js';
import * as actions from './listeners/actions.js';
import * as views from './listeners/views.js';
import { GuardedHTTPReceiver, ReplayGuard, type Delivery } from './receiver.js';
import { PostgresSeenRequests } from './seen-requests.js';
import { SlackDirectory } from './users.js';

/** Where Slack sends interactions (the app's "Request URL" path). */
export const EVENTS_ENDPOINT = '/slack/events';

export interface BoltSettings {
  botToken: string;
  /** HTTP mode: every request must carry a valid signature made with it. */
  signingSecret?: string;
  /** Socket Mode instead of the HTTP receiver. */
  appToken?: string;
  /** The Web API base URL (tests point it at a fake). */
  apiUrl?: string;
  logger: Logger;
}

export interface SlackBoltApp {
  app: App;
  mode: 'http' | 'socket';
  directory: SlackDirectory;
}

function clientOptions(settings: Pick<BoltSettings, 'apiUrl'>) {
  return {
    ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}),
    // A few quick retries: a click must not wait for minutes on one unreachable call.
    retryConfig: { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 2_000 },
  };
}

/**
 * How long one Web API call of the notifier may take before it fails as a passing error: the call
 * holds up the delivery it belongs to. Slack answers in well under a second; no more than the click
 * path allows a post in flight (decisions.ts, POST_IN_FLIGHT_SECONDS).
 */
export const NOTIFIER_CALL_TIMEOUT_MS = 10_000;

/**
 * The notifier's own Web API client. A rate limit fails its call at once with Slack's Retry-After
 * (the notifier tries that message again after it): the shared client would sleep through
 * Retry-After three times with its request queue paused, holding up every other action's
 * messages and the click path's user lookups (SlackDirectory) meanwhile. It sends each call once:
 * a post whose answer was a 5xx, was lost or timed out may be in Slack, and the client's own retry
 * would leave a second copy with live buttons. The notifier marks such a message owed and, before
 * posting it again, looks for the first copy (earlier-post.ts); its other calls (updates, history,
 * user lookups) are retried the same way, with its waits.
 */
export function notifierClient(settings: Pick<BoltSettings, 'botToken' | 'apiUrl' | 'logger'>): webApi.WebClient {
  const { logger } = settings;
  return new webApi.WebClient(settings.botToken, {
    ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}),
    retryConfig: { retries: 0 },
    timeout: NOTIFIER_CALL_TIMEOUT_MS,
    rejectRateLimitedCalls: true,
    logger,
    logLevel: logger.getLevel(),
  });
}

/** The Bolt app with Airlock's listeners: HTTP (signed, replay-guarded) or Socket Mode. */
export function createBoltApp(settings: BoltSettings, deps: { db: Db; temporal: Client; decisionWaitMs: number; postWaitMs: number }): SlackBoltApp {
  const { logger } = settings;
  // logLevel too: without it Bolt resets the given logger to info.
  const common = { token: settings.botToken, logger, logLevel: logger.getLevel(), clientOptions: clientOptions(settings), convoStore: false as const };
  let app: App;
  if (settings.appToken) {
    app = new App({ ...common, appToken: settings.appToken, socketMode: true });
  } else {
    if (!settings.signingSecret) throw new Error('the HTTP receiver needs SLACK_SIGNING_SECRET');
    // The replay guard's memory lives in PostgreSQL, so any number of replicas can sit behind one URL.
    const guard = new ReplayGuard(settings.signingSecret, new PostgresSeenRequests(deps.db));
    app = new App({ ...common, receiver: new GuardedHTTPReceiver({ signingSecret: settings.signingSecret, endpoint: EVENTS_ENDPOINT, logger, guard }) });
  }
  const directory = new SlackDirectory(deps.db, app.client);
  const listenerDeps: ListenerDeps = { ...deps, directory, logger };
  // Once every listener of a request has finished (no error), a retry of its body is not acted on again.
  app.use(async ({ context, next }) => {
    await next();
    await (context.delivery as Delivery | undefined)?.acted();
  });
  actions.register(app, listenerDeps);
  views.register(app, listenerDeps);
  app.error(async (error) => {
    logger.error(`a listener failed: ${error.message}`);
  });
  return { app, mode: settings.appToken ? 'socket' : 'http', directory };
}
