import { randomBytes } from 'node:crypto';
import type { Db } from '@airlock/db';
import { startSlackApp } from '@airlock/slack';
import type { Client } from '@temporalio/client';
import { BENCH_APPROVER_EMAIL } from '../airlock/worker.js';
import { signedClick } from '../slack/click.js';
import { startFakeSlack } from '../slack/fake-api.js';
import { expectOk, type DecisionChannel } from './channel.js';
import { benchSlackEnv } from '../slack/app-env.js';

export interface SlackDecisions {
  channel: DecisionChannel;
  stop(): Promise<void>;
}

/**
 * Airlock's Slack app (real Bolt HTTP receiver, notifier, listeners) in this
 * process against a loopback fake of Slack's Web API. A decision is a signed
 * click on the Approve button of the message the notifier posted; waiting for
 * that message is set-up, not timed. The clock stops when the tool body starts,
 * not at Slack's HTTP 200 (the listener acks first, then decides).
 */
export async function startSlackDecisions(db: Db, databaseUrl: string, temporal: Client): Promise<SlackDecisions> {
  const signingSecret = randomBytes(16).toString('hex');
  const fake = await startFakeSlack(BENCH_APPROVER_EMAIL);
  const slack = await startSlackApp({
    env: benchSlackEnv({ botToken: 'xoxb-bench', signingSecret, apiUrl: fake.url }),
    db,
    databaseUrl,
    temporal,
  }).catch(async (error: unknown) => {
    await fake.close();
    throw error;
  });
  const url = slack?.url;
  if (!slack || !url) {
    await fake.close();
    throw new Error('the Slack app did not start');
  }
  return {
    channel: {
      key: 'slack',
      label: 'Slack: signed Approve click (Bolt receiver)',
      short: 'Slack',
      prepare: async ({ actionId }) => {
        const click = signedClick(await fake.posted(actionId), signingSecret);
        return async () => expectOk(await fetch(url, { method: 'POST', headers: click.headers, body: click.body }), 'Slack click');
      },
    },
    async stop() {
      await slack.stop();
      await fake.close();
    },
  };
}
