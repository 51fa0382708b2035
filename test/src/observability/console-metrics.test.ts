import { getMetrics, type ApiContext } from '@airlock/console';
import { awaitOutcome, submitAction } from '@airlock/core/gateway';
import { createBudget } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest, contextOf, expectError } from '../api/client.js';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';
import { sample } from '../support/prometheus.js';

// The console's GET /api/metrics (app/api/metrics/route.ts): gauges read from the
// database at scrape time, behind a bearer token when one is configured.

const TOKEN = 'metrics-token-0123456789';

let h: Harness;
let ctx: ApiContext;

beforeAll(async () => {
  h = await startHarness();
  await seedTeam(h.db);
  ctx = { ...contextOf(h), metricsToken: TOKEN };
});
afterAll(async () => {
  await h?.close();
});

const scrape = async (context: ApiContext, key?: string) => {
  const response = await getMetrics(apiRequest('/api/metrics', key ? { key } : {}), context);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
};

describe('console metrics', () => {
  it('answer only a scraper with the token when one is set', async () => {
    await expectError(getMetrics(apiRequest('/api/metrics'), ctx), 401, 'unauthenticated');
    await expectError(getMetrics(apiRequest('/api/metrics', { key: 'metrics-token-wrong-guess' }), ctx), 401, 'unauthenticated');
    expect(await scrape(ctx, TOKEN)).toContain('airlock_approvals_pending');
    // Without a configured token the endpoint is open (for scrapers inside the cluster network).
    expect(await scrape(contextOf(h))).toContain('airlock_approvals_pending');
  });

  it('show pending approvals and each budget of the current period: limit, reserved, spent', async () => {
    const budget = await createBudget(h.db, { scope: 'agent', target: 'billing-bot', period: 'month', currency: 'USD', limit: '500.00' });
    const labels = { budget: budget.id, scope: 'agent', target: 'billing-bot', period: 'month', currency: 'USD' };
    // A small refund runs at once (spent); a larger one waits for a person (reserved).
    const small = await submitAction(h.client, h.taskQueue, refundRequest({ amount: '40.00' }));
    expect((await awaitOutcome(h.client, small.actionId)).status).toBe('executed');
    await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '125.00' }));

    const text = await scrape(ctx, TOKEN);
    expect(sample(text, 'airlock_approvals_pending')).toBe(1);
    expect(sample(text, 'airlock_approvals_oldest_pending_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'airlock_budget_limit', labels)).toBe(500);
    expect(sample(text, 'airlock_budget_reserved', labels)).toBe(125);
    expect(sample(text, 'airlock_budget_spent', labels)).toBe(40);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});
