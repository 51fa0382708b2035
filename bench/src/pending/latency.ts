import { performance } from 'node:perf_hooks';
import { getApprovals, postDecision, type ApiContext } from '@airlock/console';
import { getActionStatus } from '@airlock/core/gateway';
import type { Db } from '@airlock/db';
import { summarize, type Summary } from '../stats.js';

/** Latency of the calls that answered, and how many did not (an error or a non-200). */
export type Latency = Summary & { failed: number; lastError?: string };

export interface PendingLatency {
  /** GET /api/v1/approvals?status=open&limit=100 (the console inbox's first page). */
  listFirstPage: Latency;
  /** The same with limit=500, the API's maximum. */
  listLargestPage: Latency;
  /** The `status` query on a random pending action (what the SDK's handle.status() sends). */
  statusQuery: Latency;
  /** POST /api/v1/actions/:id/decisions (approve), until the workflow has recorded it. */
  decide: Latency;
  /** From sending that request to the refund's `tool.started` audit row (its created_at, same machine clock). */
  decideToToolStart: Latency;
}

function request(path: string, key: string, body?: unknown): Request {
  return new Request(`http://airlock.bench${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function timed(samples: number, call: (i: number) => Promise<void>): Promise<Latency> {
  const ms: number[] = [];
  let failed = 0;
  let lastError: string | undefined;
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    try {
      await call(i);
      ms.push(performance.now() - start);
    } catch (error) {
      failed++;
      lastError = error instanceof Error ? error.message : String(error);
    }
  }
  return { ...summarize(ms), failed, ...(lastError ? { lastError } : {}) };
}

async function expectOk(response: Response, what: string): Promise<void> {
  if (response.status !== 200) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
  await response.arrayBuffer();
}

/**
 * One call at a time, the REST handlers called as Next.js would call them (no
 * HTTP server in between): what an approver's click costs while the rest wait.
 */
export async function measurePendingLatency(ctx: ApiContext, db: Db, approverKey: string, samples: number): Promise<PendingLatency> {
  const listFirstPage = await timed(samples, async () => expectOk(await getApprovals(request('/api/v1/approvals?status=open&limit=100', approverKey), ctx), 'list'));
  const listLargestPage = await timed(samples, async () => expectOk(await getApprovals(request('/api/v1/approvals?status=open&limit=500', approverKey), ctx), 'list 500'));
  const { rows } = await db.pool.query<{ action_id: string; args_hash: string }>(`SELECT action_id, args_hash FROM approvals WHERE status = 'open' ORDER BY random() LIMIT $1`, [
    samples * 2,
  ]);
  if (rows.length < samples * 2) throw new Error(`only ${rows.length} pending approvals left to sample`);
  const statusQuery = await timed(samples, async (i) => {
    await getActionStatus(ctx.temporal, rows[i]!.action_id);
  });
  const sentAt = new Map<string, number>();
  const decide = await timed(samples, async (i) => {
    const { action_id: id, args_hash: argsHash } = rows[samples + i]!;
    sentAt.set(id, Date.now());
    await expectOk(await postDecision(request(`/api/v1/actions/${id}/decisions`, approverKey, { decision: 'approve', argsHash }), ctx, { id }), 'decide');
  });
  return { listFirstPage, listLargestPage, statusQuery, decide, decideToToolStart: await toolStarts(db, sentAt) };
}

/** Waits (untimed) for each decided action's `tool.started` row: its created_at minus when the decision was sent. */
async function toolStarts(db: Db, sentAt: ReadonlyMap<string, number>): Promise<Latency> {
  const ms: number[] = [];
  let failed = 0;
  for (const [actionId, sent] of sentAt) {
    const deadline = Date.now() + 30_000;
    let row = await db.prisma.auditEvent.findFirst({ where: { actionId, type: 'tool.started' }, select: { createdAt: true } });
    while (!row && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      row = await db.prisma.auditEvent.findFirst({ where: { actionId, type: 'tool.started' }, select: { createdAt: true } });
    }
    if (row) ms.push(row.createdAt.getTime() - sent);
    else failed++;
  }
  return { ...summarize(ms), failed, ...(failed ? { lastError: 'no tool.started row within 30 s' } : {}) };
}
