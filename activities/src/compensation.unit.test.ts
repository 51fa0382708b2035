import { asyncLocalStorage, type Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { createCompensationActivities, type CompensateStepInput } from './compensation.js';
import type { ActivityDeps } from './deps.js';
import { createToolRegistry, defineTool } from './tool-contract.js';

// Any database call fails the test: a resolution that can never be stored is answered before the first read.
const unreachable = () => {
  throw new Error('the database was reached');
};
const deps = { db: { prisma: { user: { findUnique: unreachable } } }, tools: new Map() } as unknown as ActivityDeps;

describe('recordCompensationResolution', () => {
  it('refuses a comment PostgreSQL cannot store or canonical JSON cannot hash, naming the field, instead of failing its write on every retry', async () => {
    const activities = createCompensationActivities(deps);
    const record = (comment: string) =>
      activities.recordCompensationResolution({ actionId: 'act-1', resolution: { approverId: 'bob', step: 0, resolution: 'resolved_manually', comment }, sequence: 1 });
    expect(await record('fixed\u0000by hand')).toEqual({ ok: false, reason: 'comment: must not contain NUL characters' });
    expect(await record('half \ud800')).toEqual({ ok: false, reason: expect.stringMatching(/^comment: must be Unicode text/) });
  });
});

/** A database that takes every statement and answers with no rows: what the activity sent, as SQL text. */
function recordingDb() {
  const sent: string[] = [];
  const query = (sql: string) => {
    sent.push(sql);
    return Promise.resolve({ rows: [] });
  };
  return { sent, db: { pool: { query, connect: () => Promise.resolve({ query, release: () => undefined }) } } };
}

/** compensateStep as one attempt of the activity would run it (the context its heartbeats and signal come from). */
function compensate(tools: ActivityDeps['tools'], input: CompensateStepInput) {
  const { sent, db } = recordingDb();
  const context = { info: { attempt: 1 }, cancellationSignal: new AbortController().signal, heartbeat: () => undefined } as unknown as Context;
  const run = asyncLocalStorage.run(context, () => createCompensationActivities({ db, tools } as unknown as ActivityDeps).compensateStep(input));
  return { run, sent };
}

const step = (tool: string): CompensateStepInput => ({ actionId: 'act-1', step: 0, tool, args: {}, output: null, round: 1 });

describe('compensateStep', () => {
  it('fails, to be retried (then a person asked), for a tool this worker does not have: never recorded irreversible', async () => {
    const { run, sent } = compensate(createToolRegistry([]), step('acme.refund'));
    const failure = await run.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'CompensationFailed', nonRetryable: false, message: expect.stringContaining('tool "acme.refund" is not registered on this worker') });
    const audit = sent.join('\n');
    expect(audit).toContain('compensation.failed');
    expect(audit).not.toContain('compensation.skipped');
  });

  it('reports irreversible a step whose tool is here and has no compensation', async () => {
    const oneWay = defineTool({ name: 'acme.notify', description: 'Sends a notice.', args: z.object({}).strict(), execute: () => Promise.resolve(null) });
    const { run, sent } = compensate(createToolRegistry([oneWay]), step('acme.notify'));
    expect(await run).toEqual({ status: 'irreversible' });
    expect(sent.join('\n')).toContain('compensation.skipped');
  });
});

describe('a failing compensation', () => {
  it('records and carries its error redacted: an undo that fails quotes what it was given', async () => {
    const refund = defineTool({
      name: 'acme.refund',
      description: 'Refunds.',
      args: z.object({}).strict(),
      execute: () => Promise.resolve(null),
      compensate: () => Promise.reject(new Error('card 4111 1111 1111 1111 of ann@example.com was closed')),
    });
    const { run, sent } = compensate(createToolRegistry([refund]), step('acme.refund'));
    const failure = await run.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ type: 'CompensationFailed', message: expect.stringContaining('was closed') });
    const audit = sent.join('\n');
    expect(audit).toContain('compensation.failed');
    for (const text of [String((failure as Error).message), audit]) {
      expect(text).not.toContain('ann@example.com');
      expect(text).not.toContain('4111 1111 1111 1111');
    }
  });
});
