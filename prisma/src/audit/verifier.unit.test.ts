import { describe, expect, it } from 'vitest';
import { checkpointKeyring, checkpointSigner, generateCheckpointKeyPair } from './signing.js';
import { prepareCheckpoints } from './verifier.js';

const keys = generateCheckpointKeyPair();
const signer = checkpointSigner(keys.privateKeyPem);
const keyring = checkpointKeyring([keys.publicKeyPem]);

describe('prepareCheckpoints', () => {
  const first = signer.sign({ n: 1, seq: 10, hash: 'a'.repeat(64), signedAt: '2026-12-05T00:00:00.000Z' });
  const second = signer.sign({ n: 2, seq: 20, hash: 'b'.repeat(64), signedAt: '2026-12-05T00:01:00.000Z' });

  it('takes a checkpoint delivered twice as one, whatever the order of its members (a webhook body, another language’s file)', () => {
    const reordered = JSON.parse(
      JSON.stringify({ signature: second.signature, keyId: second.keyId, signedAt: second.signedAt, hash: second.hash, seq: second.seq, n: second.n }),
    ) as typeof second;
    expect(prepareCheckpoints([first, second, reordered], keyring)).toEqual({ trusted: [first, second], problems: [] });
  });

  it('reports twins that differ in any member', () => {
    const twin = signer.sign({ n: 2, seq: 20, hash: 'c'.repeat(64), signedAt: second.signedAt });
    expect(prepareCheckpoints([first, second, twin], keyring).problems).toEqual(['checkpoint #2 appears twice with different contents']);
    expect(prepareCheckpoints([first, second, { ...second, signedAt: '2026-12-05T00:02:00.000Z' }], keyring).problems).toContain(
      'checkpoint #2 appears twice with different contents',
    );
  });
});
