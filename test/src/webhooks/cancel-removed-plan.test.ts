import { WebhookDispatcher } from '@airlock/webhooks';
import { describe, expect, it } from 'vitest';
import { spiedDb } from './sql-spy.js';
import { webhookTestBed } from './test-bed.js';

// An idle dispatcher pass runs about once a second per worker: what it reads of the delivery log must go through an
// index on a log of realistic size, not grow with it. Planned here on 200,000 deliveries: six months of history over 20
// webhooks (5 of them removed), and 50,000 retries backing off for a live webhook whose receiver is down.

const bed = webhookTestBed();
interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

async function fillDeliveryLog(): Promise<void> {
  await bed.t.db.pool.query(
    `INSERT INTO webhook_subscriptions (id, url, events, secret, from_seq, created_by, removed_at)
     SELECT 'wh_plan_' || i, 'https://receiver.invalid/' || i, '{}', 'secret', 0, 'user:admin', CASE WHEN i <= 5 THEN now() - interval '1 day' END
     FROM generate_series(1, 20) i`,
  );
  await bed.t.db.pool.query(
    `INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, dedupe_key, audit_seq, payload, status, attempts, next_attempt_at, last_status, created_at)
     SELECT 'dlv_history_' || i, 'wh_plan_' || (1 + i % 20), 'evt_history_' || i, 'action.executed', 'wh_plan_' || (1 + i % 20) || ':evt_history_' || i, i,
       '{"type":"action.executed","data":{"actionId":"act_x","status":"executed"}}',
       CASE WHEN i % 113 = 0 THEN 'failed' WHEN i % 20 < 5 AND i % 997 = 0 THEN 'cancelled' ELSE 'delivered' END,
       1, now() - make_interval(secs => (150000 - i) * 100), 200, now() - make_interval(secs => (150000 - i) * 100)
     FROM generate_series(1, 150000) i`,
  );
  await bed.t.db.pool.query(
    `INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, dedupe_key, audit_seq, payload, status, attempts, next_attempt_at, last_status, last_error, created_at, leased_until)
     SELECT 'dlv_backlog_' || i, CASE WHEN i = 1 THEN 'wh_plan_1' ELSE 'wh_plan_6' END, 'evt_backlog_' || i, 'action.executed',
       'wh_plan_6:evt_backlog_' || i, 150000 + i, '{}', 'pending', 8, now() + make_interval(secs => 60 + i % 14400), 503, 'HTTP 503',
       now() - make_interval(secs => i), CASE WHEN i <= 10 THEN now() + interval '30 s' END
     FROM generate_series(1, 50000) i`,
  );
  await bed.t.db.pool.query('ANALYZE webhook_subscriptions, webhook_deliveries');
}

describe("an idle dispatcher pass's reads of a 200,000-delivery log", () => {
  it('go through indexes: the cancel look-up and the claim scan no table', async () => {
    await fillDeliveryLog();
    const { db, sent, close } = spiedDb(bed.t.url);
    try {
      const dispatcher = new WebhookDispatcher({ db, logger: { info: () => undefined, warn: () => undefined }, allowLoopback: true });
      expect(await dispatcher.runOnce()).toBe(0);
    } finally {
      await close();
    }

    const reads = sent.filter((message) => message.text.includes('webhook_deliveries') && !message.text.includes(';'));
    const plans: Record<string, string[]> = {};
    for (const message of reads) {
      const { rows } = await bed.t.db.pool.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON) ${message.text}`, message.values);
      const nodes = nodesOf(rows[0]!['QUERY PLAN'][0]!.Plan).filter(
        (node) => node['Relation Name'] === 'webhook_deliveries' || node['Index Name']?.startsWith('webhook_deliveries_'),
      );
      plans[message.text.trim().split('\n')[0]!] = nodes.map((node) => `${node['Node Type']}${node['Index Name'] ? ` on ${node['Index Name']}` : ''}`);
    }
    // The cancel look-up (the removed webhooks' pending deliveries) and the claim, each reading deliveries by an index.
    expect(Object.keys(plans)).toHaveLength(2);
    for (const [statement, nodes] of Object.entries(plans)) {
      expect(nodes, statement).not.toEqual([]);
      expect(
        nodes.filter((node) => node.startsWith('Seq Scan')),
        statement,
      ).toEqual([]);
    }
  });
});
