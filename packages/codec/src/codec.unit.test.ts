import { randomBytes } from 'node:crypto';
import { createEncryptionCodec, dataConverterFor, KeyringError, keyringEnv, parseKeyring, PayloadDecryptionError, type Keyring } from '@airlock/codec';
import { parseEnv, temporalEnv } from '@airlock/core/env';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const key = () => new Uint8Array(randomBytes(32));
const keyring = (activeKeyId: string, keys: Record<string, Uint8Array>): Keyring => ({ activeKeyId, keys: new Map(Object.entries(keys)) });
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
/** Payloads compare by their wire bytes: decoding yields protobuf instances with defaults filled in. */
const wire = (payload: Payload) => Buffer.from(temporal.api.common.v1.Payload.encode(payload).finish()).toString('hex');
const json = (value: unknown) => defaultPayloadConverter.toPayload(value);

const k1 = key();
const k2 = key();

describe('createEncryptionCodec', () => {
  const codec = createEncryptionCodec(keyring('k1', { k1 }));

  it('round-trips payloads of every shape, empty and large included', async () => {
    const payloads: Payload[] = [
      json({ message: 'top-secret-4111', amount: '12.50' }),
      json(null),
      json(''),
      {},
      { metadata: {}, data: new Uint8Array() },
      { metadata: { encoding: Buffer.from('binary/plain') }, data: new Uint8Array(randomBytes(4 * 1024 * 1024)) },
    ];
    const decoded = await codec.decode(await codec.encode(payloads));
    expect(decoded.map(wire)).toEqual(payloads.map(wire));
    expect(defaultPayloadConverter.fromPayload(decoded[0] as Payload)).toEqual({ message: 'top-secret-4111', amount: '12.50' });
    expect(await codec.encode([])).toEqual([]);
  });

  it('round-trips arbitrary payloads (fast-check)', async () => {
    const payload = fc.record({
      metadata: fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.uint8Array({ maxLength: 32 }), { maxKeys: 4 }),
      data: fc.uint8Array({ maxLength: 2048 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(payload, { maxLength: 5 }), async (payloads) => {
        const decoded = await codec.decode(await codec.encode(payloads));
        expect(decoded.map(wire)).toEqual(payloads.map(wire));
      }),
      { numRuns: 1_000, seed: 0xc0dec },
    );
  });

  it('writes binary/encrypted with the key id, a fresh nonce each time, and no plaintext', async () => {
    const payload = json({ message: 'top-secret-4111' });
    const [first, second] = await codec.encode([payload, payload]);
    for (const encoded of [first, second]) {
      expect(Object.keys(encoded?.metadata ?? {}).sort()).toEqual(['encoding', 'encryption-key-id']);
      expect(text(encoded?.metadata?.encoding)).toBe('binary/encrypted');
      expect(text(encoded?.metadata?.['encryption-key-id'])).toBe('k1');
      const data = Buffer.from(encoded?.data ?? []);
      expect(data.length).toBe(12 + temporal.api.common.v1.Payload.encode(payload).finish().length + 16);
      expect(data.includes('top-secret-4111')).toBe(false);
      expect(data.includes('json/plain')).toBe(false);
    }
    expect(Buffer.from(first?.data ?? []).subarray(0, 12)).not.toEqual(Buffer.from(second?.data ?? []).subarray(0, 12));
    expect(first?.data).not.toEqual(second?.data);
  });

  it('passes payloads that are not binary/encrypted through unchanged', async () => {
    const plain = json({ hello: 'world' });
    const [decoded] = await codec.decode([plain]);
    expect(decoded).toBe(plain);
    expect(await codec.decode([{}])).toEqual([{}]);
  });

  it('keeps old histories readable after rotation, and encodes only with the active key', async () => {
    const before = createEncryptionCodec(keyring('k1', { k1 }));
    const after = createEncryptionCodec(keyring('k2', { k2, k1 }));
    const old = await before.encode([json('written under k1')]);
    expect(defaultPayloadConverter.fromPayload((await after.decode(old))[0] as Payload)).toBe('written under k1');
    const fresh = await after.encode([json('written under k2')]);
    expect(text(fresh[0]?.metadata?.['encryption-key-id'])).toBe('k2');
    await expect(before.decode(fresh)).rejects.toThrow('payload was encrypted with key "k2", which is not in the keyring');
  });

  it('names the key id when the key is unknown', async () => {
    const encoded = await createEncryptionCodec(keyring('k9', { k9: key() })).encode([json('x')]);
    const error = await codec.decode(encoded).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PayloadDecryptionError);
    expect(error).toMatchObject({ name: 'PayloadDecryptionError', keyId: 'k9', message: expect.stringContaining('"k9"') });
  });

  it.each([
    ['a ciphertext byte', (data: Buffer) => (data[20] = (data[20] ?? 0) ^ 0x01)],
    ['a nonce byte', (data: Buffer) => (data[0] = (data[0] ?? 0) ^ 0x80)],
    ['a tag byte', (data: Buffer) => (data[data.length - 1] = (data[data.length - 1] ?? 0) ^ 0x01)],
  ])('fails authentication when %s is flipped', async (_label, tamper) => {
    const [encoded] = await codec.encode([json({ amount: '10.00' })]);
    const data = Buffer.from(encoded?.data ?? []);
    tamper(data);
    await expect(codec.decode([{ ...encoded, data }])).rejects.toThrow(/failed authentication with key "k1"/);
  });

  it('rejects truncated data, a swapped key id and a missing key id', async () => {
    const both = createEncryptionCodec(keyring('k1', { k1, k2 }));
    const [encoded] = await both.encode([json('x')]);
    const metadata = encoded?.metadata ?? {};
    await expect(both.decode([{ metadata, data: new Uint8Array(27) }])).rejects.toThrow(/too short/);
    await expect(both.decode([{ metadata: { ...metadata, 'encryption-key-id': Buffer.from('k2') }, data: encoded?.data ?? null }])).rejects.toThrow(
      /failed authentication with key "k2"/,
    );
    const { 'encryption-key-id': _keyId, ...withoutKeyId } = metadata;
    await expect(both.decode([{ metadata: withoutKeyId, data: encoded?.data ?? null }])).rejects.toThrow(/no "encryption-key-id" metadata/);
  });

  it('refuses an unusable keyring', () => {
    expect(() => createEncryptionCodec(keyring('k2', { k1 }))).toThrow(new KeyringError('invalid payload keyring: active key "k2" is not in the keyring'));
    expect(() => createEncryptionCodec(keyring('k1', { k1: new Uint8Array(16) }))).toThrow(/key "k1": must be 32 bytes, got 16/);
    expect(() => createEncryptionCodec(keyring('bad id', { 'bad id': k1 }))).toThrow(/key id "bad id"/);
  });

  it('copies key bytes, so later changes to the caller’s array do not matter', async () => {
    const mutable = key();
    const codecA = createEncryptionCodec(keyring('m', { m: mutable }));
    const encoded = await codecA.encode([json('x')]);
    const copy = new Uint8Array(mutable);
    mutable.fill(7);
    expect((await createEncryptionCodec(keyring('m', { m: copy })).decode(encoded)).map(wire)).toEqual([wire(json('x'))]);
  });
});

describe('parseKeyring', () => {
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

  it('makes the first key active and keeps the rest for decryption', () => {
    const parsed = parseKeyring(` k2:${b64(k2)} , k1:${Buffer.from(k1).toString('base64url')} `);
    expect(parsed.activeKeyId).toBe('k2');
    expect([...parsed.keys.keys()]).toEqual(['k2', 'k1']);
    expect(parsed.keys.get('k1')).toEqual(k1);
    expect(parsed.keys.get('k2')).toEqual(k2);
  });

  it.each([
    ['', 'no keys'],
    [' , ', 'no keys'],
    ['k1:c2hvcnQ=', 'key "k1": must be 32 bytes base64'],
    ['k1', 'key "k1": must be 32 bytes base64'],
    [`k1:${'A'.repeat(43)}=`, 'key "k1": looks like a placeholder'],
    [`k1:${b64(k1)}!`, 'key "k1": must be 32 bytes base64'],
    [`k1:${b64(k1)},k1:${b64(k2)}`, 'key "k1": listed more than once'],
    [`bad id:${b64(k1)}`, 'key id "bad id": must be 1–64 letters'],
    [`:${b64(k1)}`, 'key id "": must be 1–64 letters'],
  ])('rejects %j: %s', (spec, problem) => {
    expect(() => parseKeyring(spec)).toThrow(KeyringError);
    expect(() => parseKeyring(spec)).toThrow(problem);
  });

  it('names every bad key in one message and never echoes key material', () => {
    const secretish = b64(k1).slice(0, 30);
    const error = (() => {
      try {
        parseKeyring(`k3:${secretish},k2:${b64(k2)},k1:nope`);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toBe(
      'invalid payload keyring: key "k3": must be 32 bytes base64 (e.g. openssl rand -base64 32); key "k1": must be 32 bytes base64 (e.g. openssl rand -base64 32)',
    );
    expect(error?.message).not.toContain(secretish);
  });
});

describe('keyringEnv and dataConverterFor', () => {
  const appEnv = temporalEnv.extend(keyringEnv.shape);

  it('leaves encryption off when AIRLOCK_PAYLOAD_KEYS is unset', () => {
    expect(parseEnv(appEnv, {}).AIRLOCK_PAYLOAD_KEYS).toBeUndefined();
    expect(dataConverterFor(undefined)).toEqual({});
  });

  it('parses AIRLOCK_PAYLOAD_KEYS into a keyring and a data converter', async () => {
    const env = parseEnv(appEnv, { AIRLOCK_PAYLOAD_KEYS: `k1:${Buffer.from(k1).toString('base64')}` });
    expect(env.AIRLOCK_PAYLOAD_KEYS?.activeKeyId).toBe('k1');
    const converter = dataConverterFor(env.AIRLOCK_PAYLOAD_KEYS);
    expect(converter.payloadCodecs).toHaveLength(1);
    const [encoded] = await (converter.payloadCodecs?.[0]?.encode([json('x')]) ?? Promise.resolve([]));
    expect(text(encoded?.metadata?.['encryption-key-id'])).toBe('k1');
  });

  it('reports a bad or empty AIRLOCK_PAYLOAD_KEYS by name, so encryption never turns off silently', () => {
    expect(() => parseEnv(appEnv, { AIRLOCK_PAYLOAD_KEYS: 'k1:short' })).toThrow('invalid configuration: AIRLOCK_PAYLOAD_KEYS: key "k1": must be 32 bytes base64');
    expect(() => parseEnv(appEnv, { AIRLOCK_PAYLOAD_KEYS: '' })).toThrow('AIRLOCK_PAYLOAD_KEYS: no keys');
  });
});
