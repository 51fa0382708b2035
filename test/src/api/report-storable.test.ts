import { postReport, schemas } from '@airlock/console';
import { NUL_REFUSED, LONE_SURROGATE_REFUSED } from '@airlock/core/json-limits';
import { verifyAuditChain } from '@airlock/db';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiRequest, expectError, expectJson, useApiHarness, waitForActionStatus } from './client.js';
import { gateOnlyAgent } from './gate-only.js';

// A gate-only action's tool has already run when the agent reports: a report whose output or error
// cannot be stored as sent is recorded at once in a storable form, never refused (a refusal left the
// action authorized until it expired as "not used", and clients ran the tool again).

const { h, ctx, keys } = useApiHarness();
const { authorized, report } = gateOnlyAgent(ctx, keys);

const Stored = z.strictObject({ airlock: z.literal('output not storable as sent'), problem: z.string(), json: z.string() });
const Altered = z.strictObject({
  field: z.enum(['output', 'error']),
  problem: z.string(),
  cutCharacters: z.number().int().optional(),
  replacedCharacters: z.number().int().optional(),
});

/** The report's audit row and execution row, and the action as the API shows it: recorded, not awaiting the report. */
async function recorded(actionId: string, status: 'executed' | 'failed') {
  await waitForActionStatus(ctx, keys.agent, actionId, [status]);
  const row = await h.db.prisma.auditEvent.findFirstOrThrow({ where: { actionId, type: 'tool.reported' } });
  const payload = z.object({ tool: z.string(), status: z.string(), error: z.string().optional(), reportAltered: Altered.optional() }).parse(row.payload);
  const execution = await h.db.prisma.toolExecution.findFirstOrThrow({ where: { actionId } });
  return { payload, execution };
}

describe('a report of a tool that ran is recorded whatever its output or error holds', () => {
  it('an output with a NUL is recorded executed, losslessly as its JSON text, the alteration in the audit row', async () => {
    const { actionId, fields } = await authorized('storable-nul');
    const outcome = await expectJson(report(actionId, { ...fields, status: 'succeeded', output: { text: 'a\u0000b' } }), 200, schemas.ActionOutcome);
    const problem = `output.text: ${NUL_REFUSED}`;
    expect(outcome).toEqual({ status: 'executed', actionId, output: { airlock: 'output not storable as sent', problem, json: '{"text":"a\\u0000b"}' } });
    const stored = Stored.parse((outcome as { output: unknown }).output);
    expect(JSON.parse(stored.json)).toEqual({ text: 'a\u0000b' });
    const { payload, execution } = await recorded(actionId, 'executed');
    expect(payload).toEqual({ tool: 'demo.echo', status: 'succeeded', reportAltered: { field: 'output', problem } });
    expect(execution).toMatchObject({ status: 'succeeded', result: stored });
    // The same report again is the same report: the same outcome, nothing recorded twice.
    expect(await expectJson(report(actionId, { ...fields, status: 'succeeded', output: { text: 'a\u0000b' } }), 200, schemas.ActionOutcome)).toEqual(outcome);
    // Another report (differing from the first only where it is cut or escaped) is still another report.
    const other = await expectError(report(actionId, { ...fields, status: 'succeeded', output: { text: 'a\u0000c' } }), 409, 'decision_rejected');
    expect(other.message).toMatch(/already (closed|reported) with another result/);
  });

  it('a 140,000-character string is recorded executed, its JSON text cut with a marker of how much', async () => {
    const { actionId, fields } = await authorized('storable-long');
    const text = 'x'.repeat(140_000);
    const outcome = await expectJson(report(actionId, { ...fields, status: 'succeeded', output: { text } }), 200, schemas.ActionOutcome);
    expect(outcome.status).toBe('executed');
    const stored = Stored.parse((outcome as { output: unknown }).output);
    expect(stored.problem).toBe('output.text: string of 140000 characters; at most 131072 allowed');
    expect(stored.json.length).toBeLessThanOrEqual(131_072);
    const full = JSON.stringify({ text });
    const marker = /… \[cut by Airlock: (\d+) of (\d+) characters\]$/.exec(stored.json);
    expect(marker?.[2]).toBe(String(full.length));
    expect(full.startsWith(stored.json.slice(0, -marker![0].length))).toBe(true);
    const { payload } = await recorded(actionId, 'executed');
    expect(payload.reportAltered).toEqual({ field: 'output', problem: stored.problem, cutCharacters: Number(marker![1]) });
  });

  it('an output larger than any request (3 MiB) is read and recorded executed, cut; past the report route limit of 16 MiB a 413', async () => {
    const { actionId, fields } = await authorized('storable-huge');
    const text = 'y'.repeat(3 * 1024 * 1024);
    const outcome = await expectJson(report(actionId, { ...fields, status: 'succeeded', output: { text } }), 200, schemas.ActionOutcome);
    const stored = Stored.parse((outcome as { output: unknown }).output);
    expect(stored.problem).toBe(`output.text: string of ${text.length} characters; at most 131072 allowed`);
    expect((await recorded(actionId, 'executed')).payload.reportAltered).toMatchObject({ field: 'output', problem: stored.problem });
    const { actionId: other, fields: otherFields } = await authorized('storable-too-huge');
    await expectError(report(other, { ...otherFields, status: 'succeeded', output: { text: 'z'.repeat(17 * 1024 * 1024) } }), 413, 'payload_too_large');
  });

  it("an output past Temporal's 2 MB payload limit whose every field is within the limits is recorded executed, cut", async () => {
    const { actionId, fields } = await authorized('storable-wide');
    const rows = Array.from({ length: 25 }, () => 'w'.repeat(100_000));
    const outcome = await expectJson(report(actionId, { ...fields, status: 'succeeded', output: rows }), 200, schemas.ActionOutcome);
    const stored = Stored.parse((outcome as { output: unknown }).output);
    expect(stored.problem).toBe(`output: JSON of ${JSON.stringify(rows).length} bytes; at most 1048576 stored as sent`);
    expect((await recorded(actionId, 'executed')).payload.reportAltered).toMatchObject({ field: 'output', problem: stored.problem });
  });

  it('12,000 array elements are recorded executed, whole as JSON text', async () => {
    const { actionId, fields } = await authorized('storable-many');
    const list = Array.from({ length: 12_000 }, (_, i) => i);
    const outcome = await expectJson(report(actionId, { ...fields, status: 'succeeded', output: list }), 200, schemas.ActionOutcome);
    const stored = Stored.parse((outcome as { output: unknown }).output);
    expect(stored.problem).toBe('output: more than 10000 keys and array elements in all; too many');
    expect(JSON.parse(stored.json)).toEqual(list);
    const { payload } = await recorded(actionId, 'executed');
    expect(payload.reportAltered).toEqual({ field: 'output', problem: stored.problem });
  });

  it('a lone surrogate is recorded executed, escaped in the JSON text', async () => {
    const { actionId, fields } = await authorized('storable-lone');
    // JSON.stringify would escape it as \ud800 too; written by hand so the body surely carries the escape.
    const body = `${JSON.stringify({ ...fields, status: 'succeeded' }).slice(0, -1)},"output":["ok","half \\ud800 pair"]}`;
    const res = postReport(apiRequest(`/api/v1/actions/${actionId}/report`, { key: keys.agent, rawBody: body }), ctx, { id: actionId });
    const outcome = await expectJson(res, 200, schemas.ActionOutcome);
    const stored = Stored.parse((outcome as { output: unknown }).output);
    expect(stored).toEqual({ airlock: 'output not storable as sent', problem: `output.1: ${LONE_SURROGATE_REFUSED}`, json: '["ok","half \\ud800 pair"]' });
    const { payload } = await recorded(actionId, 'executed');
    expect(payload.reportAltered).toEqual({ field: 'output', problem: stored.problem });
  });

  it('a failure whose error is 3,999 letters, an emoji and more is recorded failed, cut whole emoji and all, the cut marked', async () => {
    const { actionId, fields } = await authorized('storable-error');
    const error = `${'a'.repeat(3_999)}😀 and then the rest of the stack`;
    const outcome = await expectJson(report(actionId, { ...fields, status: 'failed', error }), 200, schemas.ActionOutcome);
    expect(outcome.status).toBe('failed');
    const stored = (outcome as { error: string }).error;
    expect(stored.length).toBeLessThanOrEqual(4_000);
    expect(stored).toMatch(new RegExp(`^a+… \\[cut by Airlock: \\d+ of ${error.length} characters\\]$`));
    const { payload, execution } = await recorded(actionId, 'failed');
    expect(payload).toMatchObject({
      status: 'failed',
      error: stored,
      reportAltered: { field: 'error', problem: `error: string of ${error.length} characters; at most 4000 kept` },
    });
    expect(payload.reportAltered?.cutCharacters).toBe(error.length - stored.indexOf('…'));
    expect(execution).toMatchObject({ status: 'failed', error: stored });
  });

  it('a failure whose error holds a NUL is recorded failed with U+FFFD in its place', async () => {
    const { actionId, fields } = await authorized('storable-error-nul');
    const outcome = await expectJson(report(actionId, { ...fields, status: 'failed', error: 'disk\u0000full' }), 200, schemas.ActionOutcome);
    expect(outcome).toEqual({ status: 'failed', actionId, error: 'disk\uFFFDfull' });
    const { payload } = await recorded(actionId, 'failed');
    expect(payload.reportAltered).toEqual({
      field: 'error',
      problem: 'error: 1 NUL or lone surrogate character (PostgreSQL cannot store them) replaced with U+FFFD',
      replacedCharacters: 1,
    });
  });

  it('a structurally bad report is still a 400 naming the field, and records nothing', async () => {
    const { actionId, fields } = await authorized('storable-structure');
    const before = await h.db.prisma.auditEvent.count({ where: { actionId } });
    const status = await expectError(report(actionId, { ...fields, status: 'done', output: 1 }), 400, 'invalid_request');
    expect(status.issues?.map((i) => i.path)).toEqual(['status']);
    const unknown = await expectError(report(actionId, { ...fields, status: 'succeeded', outpt: 'a\u0000' }), 400, 'invalid_request');
    expect(unknown.issues).toEqual([{ path: 'outpt', message: 'Unrecognized key: "outpt"' }]);
    const wrongType = await expectError(report(actionId, { ...fields, status: 'failed', error: ['a\u0000'] }), 400, 'invalid_request');
    expect(wrongType.issues?.map((i) => i.path)).toEqual(['error']);
    const badId = await expectError(report(actionId, { ...fields, authorizationId: '', status: 'succeeded' }), 400, 'invalid_request');
    expect(badId.issues?.map((i) => i.path)).toEqual(['authorizationId']);
    expect(await h.db.prisma.auditEvent.count({ where: { actionId } })).toBe(before);
    expect(await expectJson(report(actionId, { ...fields, status: 'succeeded', output: { ok: true } }), 200, schemas.ActionOutcome)).toEqual({
      status: 'executed',
      actionId,
      output: { ok: true },
    });
    const { payload } = await recorded(actionId, 'executed');
    expect(payload).toEqual({ tool: 'demo.echo', status: 'succeeded' });
  });

  it('the audit chain verifies over every row these reports wrote', async () => {
    expect(await verifyAuditChain(h.db)).toMatchObject({ ok: true });
  });
});
