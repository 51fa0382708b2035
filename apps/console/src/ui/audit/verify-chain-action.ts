'use server';

import { verifyAuditChain } from '@airlock/db';
import { apiContext } from '../../api/runtime-context.js';
import { actionUser } from '../auth/guard.js';
import { failed, ok, type Notice } from '../forms/notice.js';

// Server actions are public POST endpoints: each one checks origin, session and role on its own.

export type ChainNotice = Notice & { firstBrokenSeq?: string };

/** Walks the whole hash chain (any signed-in role may: it only reads). */
export async function verifyChain(): Promise<ChainNotice> {
  const guard = await actionUser('viewer');
  if ('refusal' in guard) return failed(guard.refusal);
  const result = await verifyAuditChain(apiContext().db);
  // The console holds no verifier key: it checks links and hashes, which a rewrite by someone who can write the database (hashes recomputed) passes.
  if (result.ok) {
    return ok(
      `Links and hashes verify: ${result.checkedRows} rows (head ${result.headHash.slice(0, 16)}…). Signed checkpoints are not checked here; ` +
        'npm run airlock -- audit verify --public-key <key file> checks them, and only they catch a rewrite by someone with database access.',
    );
  }
  return { ...failed(`Broken at seq ${result.firstBrokenSeq} after ${result.checkedRows} good rows: ${result.reason}.`), firstBrokenSeq: result.firstBrokenSeq };
}
