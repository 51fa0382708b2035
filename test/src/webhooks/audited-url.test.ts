import { createHash } from 'node:crypto';
import { deleteWebhook, getAudit, postWebhook, schemas, webhookSchemas } from '@airlock/console';
import { describe, expect, it } from 'vitest';
import { apiRequest, expectJson, useApiHarness } from '../api/client.js';

// A receiver's URL is often its credential: a Slack hook's path, an Azure Function's `?code=`, a Logic App's `&sig=`.
// webhook.created and webhook.removed used to carry it in full, and every user key reads the audit log (a viewer too),
// while only admins list the subscriptions. Now the rows carry the origin and a short hash of the URL.

const { ctx, keys } = useApiHarness();

const AZURE = 'https://airlock-hooks.azurewebsites.net/api/receive?code=aBcD1234eFgH5678iJkL9012mNoP3456qRsT7890uVwX==&clientId=default';
const SLACK = 'https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdEFGHijklMNOPqrstUVWX';
const SECRETS = ['aBcD1234eFgH5678iJkL9012mNoP3456qRsT7890uVwX', 'code=', 'abcdEFGHijklMNOPqrstUVWX', 'T0123ABCD', '/services/', '/api/receive'];

/** Every audit row a viewer's key reads, page by page. */
async function auditAsViewer(): Promise<schemas.AuditEventView[]> {
  const events: schemas.AuditEventView[] = [];
  let after: string | null = '0';
  while (after !== null) {
    const page: schemas.AuditPage = await expectJson(getAudit(apiRequest(`/api/v1/audit?after=${after}&limit=500`, { key: keys.victor }), ctx), 200, schemas.AuditPage);
    events.push(...page.events);
    after = page.nextCursor;
  }
  return events;
}

describe('a webhook URL in the audit log', () => {
  it('is its origin and a hash: a viewer reading webhook.created and webhook.removed sees no path, query or token', async () => {
    const created = [];
    for (const url of [AZURE, SLACK]) {
      created.push((await expectJson(postWebhook(apiRequest('/api/v1/webhooks', { key: keys.bob, body: { url } }), ctx), 201, webhookSchemas.CreatedWebhookView)).webhook);
    }
    const slack = created[1]!;
    await expectJson(deleteWebhook(apiRequest(`/api/v1/webhooks/${slack.id}`, { key: keys.bob, method: 'DELETE' }), ctx, { id: slack.id }), 200, webhookSchemas.WebhookRemoved);

    const rows = (await auditAsViewer()).filter((e) => e.type.startsWith('webhook.'));
    expect(rows.map((e) => [e.type, (e.payload as { webhookId: string }).webhookId])).toEqual([
      ['webhook.created', created[0]!.id],
      ['webhook.created', slack.id],
      ['webhook.removed', slack.id],
    ]);
    const seen = JSON.stringify(rows);
    for (const secret of SECRETS) expect(seen).not.toContain(secret);

    // Which URL it was stays checkable: the origin, and the SHA-256 of the URL as the (admin) list shows it.
    const hash = (url: string) => `sha256:${createHash('sha256').update(url).digest('hex').slice(0, 16)}`;
    expect(rows.map((e) => e.payload)).toEqual([
      { webhookId: created[0]!.id, origin: 'https://airlock-hooks.azurewebsites.net', urlHash: hash(AZURE), events: [], description: null },
      { webhookId: slack.id, origin: 'https://hooks.slack.com', urlHash: hash(SLACK), events: [], description: null },
      { webhookId: slack.id, origin: 'https://hooks.slack.com', urlHash: hash(SLACK), cancelledDeliveries: 0, inFlightDeliveries: 0 },
    ]);
    expect(created.map((w) => w.url)).toEqual([AZURE, SLACK]);
  });
});
