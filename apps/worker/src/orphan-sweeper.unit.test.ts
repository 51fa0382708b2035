import { Writable } from 'node:stream';
import type { Db } from '@airlock/db';
import { createLogger } from '@airlock/telemetry';
import type { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { describe, expect, it } from 'vitest';
import { orphanSweep, sweepOrphanWorkflows } from './orphan-sweeper.js';

// Paging only: which running workflows a sweep looks at. Termination itself runs on real Temporal
// and PostgreSQL (test/src/edge/orphan-sweeper.test.ts).

const logger = createLogger({ name: 'test', level: 'error', format: 'json', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) });

/** Visibility with `running` workflows (newest first), `pageSize` a page; a workflow whose id is in `withRow` has its action row. */
function fakeTemporal(running: string[], withRow: Set<string>, options: { failOnToken?: string } = {}) {
  const queries: { query: string; token: string | undefined }[] = [];
  const described: string[] = [];
  const client = {
    options: { namespace: 'default' },
    workflowService: {
      listWorkflowExecutions: async (request: { query: string; pageSize: number; nextPageToken?: Uint8Array }) => {
        const token = request.nextPageToken ? Buffer.from(request.nextPageToken).toString() : undefined;
        queries.push({ query: request.query, token });
        if (token !== undefined && token === options.failOnToken) throw new Error('invalid page token');
        const from = token ? Number(token) : 0;
        const page = running.slice(from, from + request.pageSize);
        const next = from + request.pageSize < running.length ? Buffer.from(String(from + request.pageSize)) : Buffer.alloc(0);
        return {
          executions: page.map((id) => ({ execution: { workflowId: `action-${id}`, runId: `run-${id}` }, type: { name: 'guardedAction' }, startTime: msToTs(1_000) })),
          nextPageToken: next,
        };
      },
      // No workflow task completed yet: no worker ran any of them, so none is an orphan.
      getWorkflowExecutionHistory: async () => ({ history: { events: [] } }),
    },
    workflow: {
      getHandle: (workflowId: string) => ({
        describe: async () => {
          described.push(workflowId.slice('action-'.length));
          return { raw: { pendingActivities: [] } };
        },
      }),
    },
  } as unknown as Client;
  const db = {
    prisma: { action: { findMany: async (args: { where: { id: { in: string[] } } }) => args.where.id.in.filter((id) => withRow.has(id)).map((id) => ({ id })) } },
  } as unknown as Db;
  return { client, db, queries, described };
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `a${i}`);

describe('the orphan sweeper reads every running workflow', () => {
  it('one whole pass looks at a workflow without a row behind any number of newer ones with rows', async () => {
    const running = ids(7);
    const { client, db, described, queries } = fakeTemporal(running, new Set(running.slice(0, 6)));
    await sweepOrphanWorkflows({ client, db, logger, taskQueue: 'q', batchSize: 2 });
    expect(described).toEqual(['a6']);
    expect(queries.map((q) => q.token)).toEqual([undefined, '2', '4', '6']);
  });

  it('a bounded sweep goes on from the page where the last one stopped, then starts over with a fresh query', async () => {
    const running = ids(5);
    const { client, db, described, queries } = fakeTemporal(running, new Set());
    const sweep = orphanSweep({ client, db, logger, taskQueue: 'q', batchSize: 2, maxPagesPerSweep: 2, graceMs: 0 });
    await sweep(new Date('2026-01-01T00:00:00Z'));
    expect(described).toEqual(['a0', 'a1', 'a2', 'a3']);
    await sweep(new Date('2026-01-01T00:01:00Z'));
    expect(described).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    await sweep(new Date('2026-01-01T00:02:00Z'));
    expect(described).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a0', 'a1', 'a2', 'a3']);
    expect(queries.map((q) => q.token)).toEqual([undefined, '2', '4', undefined, '2']);
    // The continuation reads the same query its token belongs to; a new pass asks with the time of its own sweep.
    expect(queries[2]?.query).toBe(queries[0]?.query);
    expect(queries[3]?.query).toContain("StartTime < '2026-01-01T00:02:00.000Z'");
  });

  it('a page token the server refuses fails that sweep only: the next starts over', async () => {
    const { client, db, queries } = fakeTemporal(ids(5), new Set(), { failOnToken: '2' });
    const sweep = orphanSweep({ client, db, logger, taskQueue: 'q', batchSize: 2, maxPagesPerSweep: 1 });
    await sweep();
    await expect(sweep()).rejects.toThrow('invalid page token');
    await sweep();
    expect(queries.map((q) => q.token)).toEqual([undefined, '2', undefined]);
  });
});
