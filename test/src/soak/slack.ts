import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDb, type Db } from '@airlock/db';
import { startSlackApp, type RunningSlackApp } from '@airlock/slack';
import type { Client } from '@temporalio/client';
import { FakeSlackApi, type Block } from '../slack/fake-slack-api.js';
import type { Violation } from './checks/index.js';

const BOT_TOKEN = 'xoxb-airlock-soak';
const CHANNEL = 'C_SOAK';

/** The soak's Slack app (the real Bolt app and notifier) against the fake Slack Web API on loopback. */
export interface SoakSlack {
  fake: FakeSlackApi;
  stop(): Promise<void>;
}

export async function startSoakSlack(databaseUrl: string, temporal: Client): Promise<SoakSlack> {
  const fake = await FakeSlackApi.start({ token: BOT_TOKEN, users: [] });
  // Its own pool, as the Slack app has in production: the soak's pool stays the soak's.
  const db = createDb(databaseUrl, { poolSize: 3 });
  let app: RunningSlackApp | undefined;
  try {
    app = await startSlackApp({
      env: {
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: randomBytes(16).toString('hex'),
        SLACK_API_URL: fake.url,
        AIRLOCK_SLACK_ROUTES: JSON.stringify({ default: CHANNEL }),
        AIRLOCK_SLACK_PORT: '0',
        AIRLOCK_SLACK_HOST: '127.0.0.1',
        AIRLOCK_SLACK_DM_ASSIGNEES: 'false',
        AIRLOCK_CONSOLE_URL: 'http://console.airlock.test',
        LOG_LEVEL: 'error',
      },
      db,
      databaseUrl,
      temporal,
      pollIntervalMs: 1_000,
    });
    if (!app) throw new Error('the Slack app did not start');
  } catch (error) {
    await fake.close();
    await db.close();
    throw error;
  }
  const running = app;
  return {
    fake,
    async stop() {
      await running.stop();
      await fake.close();
      await db.close();
    },
  };
}

export interface SlackSummary {
  /** Actions that had an approval round. */
  actionsWithApprovals: number;
  /** Messages compared with the recorded outcome. */
  messagesChecked: number;
  /** Approvals closed before the notifier posted them (a closed round is never posted late). */
  neverPosted: number;
}

interface MessageRow {
  action_id: string;
  round: number;
  channel: string;
  ts: string;
  last_round: number;
  approval_status: string;
  action_status: string;
}

const HEADLINE: Record<string, string> = { approved: 'Approved', denied: 'Denied', expired: 'Timed out', cancelled: 'Cancelled' };

/** What the last round's status section must say about the run, given the action's recorded status. */
const RUN_LINE: Record<string, RegExp> = {
  executed: /succeeded/,
  failed: /:x: `[^`]+` failed/,
  denied: /:no_entry_sign: not run: /,
  cancelled: /(:no_entry_sign: not run: |was cancelled)/,
};

/**
 * For every action with an approval, the last state of each of its Slack messages
 * agrees with the recorded outcome: no buttons left, the headline is the approval's
 * closing, and for an approved round the run's line says what the outcome says.
 * The notifier follows the audit log, so this waits (bounded) until it has caught up.
 */
export async function checkSlack(db: Db, slack: SoakSlack, timeoutMs = 120_000): Promise<{ summary: SlackSummary; violations: Violation[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await compare(db, slack.fake);
    if (result.violations.length === 0 || Date.now() > deadline) return result;
    await sleep(500);
  }
}

async function compare(db: Db, fake: FakeSlackApi): Promise<{ summary: SlackSummary; violations: Violation[] }> {
  const { rows } = await db.pool.query<MessageRow>(
    `SELECT m.action_id, m.round, m.channel, m.ts, last.round AS last_round, last.status::text AS approval_status, a.status::text AS action_status
       FROM slack_messages m
       JOIN actions a ON a.id = m.action_id
       JOIN LATERAL (SELECT round, status FROM approvals WHERE action_id = m.action_id ORDER BY round DESC LIMIT 1) last ON true
      WHERE m.kind <> 'notice' AND m.ts IS NOT NULL`,
  );
  const { rows: counts } = await db.pool.query<{ with_approvals: number; never_posted: number }>(
    `SELECT count(DISTINCT p.action_id)::int AS with_approvals,
            count(DISTINCT p.action_id) FILTER (WHERE NOT EXISTS (SELECT 1 FROM slack_messages m WHERE m.action_id = p.action_id AND m.ts IS NOT NULL))::int AS never_posted
       FROM approvals p`,
  );
  const violations: Violation[] = [];
  for (const row of rows) {
    const violation = (detail: string) =>
      violations.push({ invariant: 'Slack agrees with the recorded outcome', actionId: row.action_id, detail: `round ${row.round} message ${row.channel}/${row.ts}: ${detail}` });
    const message = fake.message(row.channel, row.ts);
    if (!message) {
      violation('recorded as posted, but Slack has no such message');
      continue;
    }
    if (message.blocks.some((b) => b.type === 'actions')) violation(`buttons still shown (action ${row.action_status}, approval ${row.approval_status})`);
    if (row.round < row.last_round) {
      if (!headline(message.blocks).startsWith('Superseded')) violation(`an earlier round shows "${headline(message.blocks)}", not superseded`);
      continue;
    }
    const expected = HEADLINE[row.approval_status];
    if (!expected) {
      violation(`the approval is still ${row.approval_status} after the action ended ${row.action_status}`);
      continue;
    }
    if (!headline(message.blocks).startsWith(expected)) violation(`headline "${headline(message.blocks)}", but the approval is ${row.approval_status}`);
    if (!message.text.startsWith(expected)) violation(`notification text "${message.text}", but the approval is ${row.approval_status}`);
    if (row.approval_status === 'approved') {
      const line = RUN_LINE[row.action_status];
      const status = sectionTexts(message.blocks).find((t) => t.startsWith(':white_check_mark: Approved by')) ?? '';
      if (!line || !line.test(status)) violation(`status "${status}" for an action recorded ${row.action_status}`);
    }
  }
  const summary = { actionsWithApprovals: counts[0]?.with_approvals ?? 0, messagesChecked: rows.length, neverPosted: counts[0]?.never_posted ?? 0 };
  return { summary, violations };
}

function headline(blocks: readonly Block[]): string {
  const header = blocks.find((b) => b.type === 'header') as { text?: { text?: string } } | undefined;
  return header?.text?.text ?? '';
}

function sectionTexts(blocks: readonly Block[]): string[] {
  return blocks.flatMap((b) => {
    const text = (b as { text?: { text?: unknown } }).text?.text;
    return b.type === 'section' && typeof text === 'string' ? [text] : [];
  });
}
