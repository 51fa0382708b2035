import { randomBytes } from 'node:crypto';
import { dataConverterFor, type Keyring } from '@airlock/codec';
import { postRawArgs, schemas, type ApiContext } from '@airlock/console';
import { awaitOutcome, submitAction } from '@airlock/core/gateway';
import { Client } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiRequest, expectError, expectJson, useApiHarness } from './client.js';

// POST /api/v1/actions/:id/raw-args on real Temporal (payloads encrypted) and PostgreSQL.
const keyring: Keyring = { activeKeyId: 'k1', keys: new Map([['k1', new Uint8Array(randomBytes(32))]]) };
const RAW = { message: 'refund carol@example.test on card 4111 1111 1111 1111' };

const { h, ctx, keys } = useApiHarness({ dataConverter: dataConverterFor(keyring) });
let actionId: string;

const reveal = (key: string, id = actionId, context = ctx) => postRawArgs(apiRequest(`/api/v1/actions/${id}/raw-args`, { key, method: 'POST' }), context, { id });
const reveals = () => h.db.prisma.auditEvent.findMany({ where: { type: 'action.args_revealed' }, orderBy: { seq: 'asc' } });

beforeAll(async () => {
  ({ actionId } = await submitAction(h.client, h.taskQueue, { agentId: 'billing-bot', tool: 'demo.echo', args: RAW, rationale: 'reveal test', idempotencyKey: 'reveal-1' }));
  expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
});

describe('POST /api/v1/actions/:id/raw-args', () => {
  it('gives an admin the unredacted arguments, after writing the audit row', async () => {
    const stored = await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } });
    expect(JSON.stringify(stored.args)).not.toContain('carol@example.test');

    const view = await expectJson(reveal(keys.bob), 200, schemas.RawArgsView);
    expect(view).toMatchObject({ actionId, args: RAW });
    const [row] = await reveals();
    expect(row).toMatchObject({ actionId, actor: 'user:bob', payload: { channel: 'api' } });
    expect(row?.seq.toString()).toBe(view.auditSeq);
    expect(row?.createdAt.toISOString()).toBe(view.revealedAt);
  });

  it('refuses approvers, viewers and agents (403) and records nothing for them', async () => {
    for (const key of [keys.alice, keys.victor, keys.agent]) await expectError(reveal(key), 403, 'forbidden');
    await expectError(reveal(keys.revoked), 401, 'unauthenticated');
    await expectError(postRawArgs(apiRequest(`/api/v1/actions/${actionId}/raw-args`, { method: 'POST' }), ctx, { id: actionId }), 401, 'unauthenticated');
    expect(await reveals()).toHaveLength(1);
  });

  it('answers 404 for an unknown or malformed action id', async () => {
    await expectError(reveal(keys.bob, '00000000-0000-5000-8000-000000000000'), 404, 'not_found');
    await expectError(reveal(keys.bob, 'not-an-id'), 404, 'not_found');
    expect(await reveals()).toHaveLength(1);
  });

  it('answers 404 when Temporal no longer has the workflow (retention), after auditing the attempt', async () => {
    const gone = '11111111-1111-5111-8111-111111111111';
    await h.db.prisma.action.create({
      data: { id: gone, agentId: 'billing-bot', tool: 'demo.echo', args: {}, argsHash: 'h', rationale: '', idempotencyKey: gone, workflowId: `action-${gone}`, status: 'executed' },
    });
    const error = await expectError(reveal(keys.bob, gone), 404, 'not_found');
    expect(error.message).toMatch(/no longer keeps this action’s workflow history/);
    expect((await reveals()).map((r) => r.actionId)).toEqual([actionId, gone]);
  });

  it('a console without the payload key reveals nothing, yet the attempt is already audited', async () => {
    const withoutKey: ApiContext = { ...ctx, temporal: new Client({ connection: h.client.connection }) };
    const error = await expectError(reveal(keys.bob, actionId, withoutKey), 503, 'unavailable');
    expect(error.message).toMatch(/cannot decode the action’s workflow input .*AIRLOCK_PAYLOAD_KEYS/);
    expect(error.message).not.toContain('carol');
    expect(await reveals()).toHaveLength(3);
  });
});
