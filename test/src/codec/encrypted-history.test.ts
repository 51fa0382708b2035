import { randomBytes } from 'node:crypto';
import { dataConverterFor, type Keyring } from '@airlock/codec';
import { awaitOutcome, submitAction } from '@airlock/core/gateway';
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { describe, expect, inject, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { runCli } from '../support/cli.js';
import { useSeededHarness } from '../support/harness.js';

const SECRET = 'top-secret-4111';
const k1 = new Uint8Array(randomBytes(32));
const k2 = new Uint8Array(randomBytes(32));
const keyring: Keyring = {
  activeKeyId: 'k2',
  keys: new Map([
    ['k2', k2],
    ['k1', k1],
  ]),
};

const h = useSeededHarness({ dataConverter: dataConverterFor(keyring) });

/** Every payload in a history event tree, except search attributes (the server must index those in clear). */
function payloadsIn(node: unknown, found: Payload[] = []): Payload[] {
  if (Array.isArray(node)) {
    for (const item of node) payloadsIn(item, found);
  } else if (typeof node === 'object' && node !== null && !ArrayBuffer.isView(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'searchAttributes') continue;
      if (key === 'payloads' && Array.isArray(value)) found.push(...(value as Payload[]));
      else payloadsIn(value, found);
    }
  }
  return found;
}

const utf8 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

describe('payload encryption on real Temporal', () => {
  it('stores no readable arguments or outputs in history, yet clients with the key read the outcome', async () => {
    const { actionId, workflowId } = await submitAction(h.client, h.taskQueue, {
      agentId: 'billing-bot',
      tool: 'demo.echo',
      args: { message: SECRET },
      rationale: 'encryption test',
      idempotencyKey: 'x',
    });
    expect(await awaitOutcome(h.client, actionId)).toEqual({ status: 'executed', actionId, output: { message: SECRET } });

    const withoutKey = new Client({ connection: h.client.connection });
    const history = await withoutKey.workflow.getHandle(workflowId).fetchHistory();
    const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    expect(bytes.includes(SECRET)).toBe(false);
    expect(bytes.includes('encryption test')).toBe(false);

    // sdk-core writes its own local-activity bookkeeping (seq, attempt, activity type, times)
    // into marker details outside the codec; it holds no user data, and that is all it may hold.
    const bookkeeping = (history.events ?? []).flatMap((e) => (e.markerRecordedEventAttributes?.details?.data?.payloads ?? []) as Payload[]);
    for (const payload of bookkeeping) {
      expect(Object.keys(JSON.parse(utf8(payload.data)) as object).sort()).toEqual([
        'activity_id',
        'activity_type',
        'attempt',
        'backoff',
        'complete_time',
        'original_schedule_time',
        'seq',
      ]);
    }
    const payloads = payloadsIn(history.events).filter((p) => !bookkeeping.includes(p));
    // Workflow input, activity inputs and results, the workflow result at least.
    expect(payloads.length).toBeGreaterThanOrEqual(4);
    for (const payload of payloads) {
      expect(utf8(payload.metadata?.encoding)).toBe('binary/encrypted');
      expect(utf8(payload.metadata?.['encryption-key-id'])).toBe('k2');
    }
    await expect(withoutKey.workflow.getHandle(workflowId).result()).rejects.toThrow();
  });

  it('encrypts error messages too: a failing step that echoes its arguments leaves them unreadable in history', async () => {
    const { actionId, workflowId } = await submitAction(h.client, h.taskQueue, {
      agentId: 'billing-bot',
      tool: 'airlock.plan',
      args: {
        steps: [
          { tool: 'demo.echo', args: { message: 'step one' } },
          { tool: 'demo.fail', args: { message: `card ${SECRET} declined` } },
        ],
      },
      rationale: 'failure encryption test',
      idempotencyKey: 'failing-plan',
    });
    const outcome = await awaitOutcome(h.client, actionId);
    // The agent (a client with the key) still gets the tool's own message.
    expect(JSON.stringify(outcome)).toContain(`card ${SECRET} declined`);

    const history = await new Client({ connection: h.client.connection }).workflow.getHandle(workflowId).fetchHistory();
    const failed = (history.events ?? []).map((e) => e.activityTaskFailedEventAttributes?.failure).filter((f) => f != null);
    // The step's failure went through Temporal as a failed activity, with its message moved into encrypted attributes.
    expect(failed.length).toBeGreaterThan(0);
    for (const failure of failed) {
      expect(failure.message).toBe('Encoded failure');
      expect(utf8(failure.encodedAttributes?.metadata?.encoding)).toBe('binary/encrypted');
    }
    const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    expect(bytes.includes(SECRET)).toBe(false);
  });

  it('a CLI without the payload keys refuses to decide an encrypted action, sending nothing; with them it decides', { timeout: 300_000 }, async () => {
    const { actionId, workflowId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ idempotencyKey: 'cli-keys' }));
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: h.database.url, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: 'default' };
    for (const name of ['AIRLOCK_PUBLIC_URL', 'AIRLOCK_PAYLOAD_KEYS', 'NODE_OPTIONS']) delete env[name];
    const eventsBefore = (await h.client.workflow.getHandle(workflowId).fetchHistory()).events?.length;

    const withoutKeys = await runCli(env, 'approve', actionId, '--by', 'alice', '--comment', 'checked in clear?');
    expect(withoutKeys).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `airlock: AIRLOCK_PAYLOAD_KEYS: the workers encrypt ${actionId}'s payloads, and this command has no keys: set the workers' AIRLOCK_PAYLOAD_KEYS here (nothing was sent)\n`,
    });
    // Nothing reached the workflow: no update in its history, and it still waits.
    const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
    expect(history.events?.length).toBe(eventsBefore);
    expect(Buffer.from(temporal.api.history.v1.History.encode(history).finish()).includes('checked in clear?')).toBe(false);

    const keys = [...keyring.keys].map(([id, bytes]) => `${id}:${Buffer.from(bytes).toString('base64')}`).join(',');
    expect(await runCli({ ...env, AIRLOCK_PAYLOAD_KEYS: keys }, 'approve', actionId, '--by', 'alice')).toMatchObject({
      code: 0,
      stdout: `approved ${actionId} (1 of 1); it runs now\n`,
    });
  });

  it('keeps histories readable after the key is rotated', async () => {
    const { actionId } = await submitAction(h.client, h.taskQueue, {
      agentId: 'billing-bot',
      tool: 'demo.echo',
      args: { message: 'written under k2' },
      idempotencyKey: 'rotation',
    });
    const outcome = await awaitOutcome(h.client, actionId);
    const rotated = new Client({
      connection: h.client.connection,
      dataConverter: dataConverterFor({ activeKeyId: 'k3', keys: new Map([['k3', new Uint8Array(randomBytes(32))], ...keyring.keys]) }),
    });
    expect(await awaitOutcome(rotated, actionId)).toEqual(outcome);
    const retired = new Client({ connection: h.client.connection, dataConverter: dataConverterFor({ activeKeyId: 'k1', keys: new Map([['k1', k1]]) }) });
    await expect(awaitOutcome(retired, actionId)).rejects.toThrow(/key "k2", which is not in the keyring/);
  });
});
