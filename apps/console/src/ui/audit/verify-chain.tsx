'use client';

import { useState, useTransition } from 'react';
import { idle } from '../forms/notice.js';
import { verifyChain, type ChainNotice } from './verify-chain-action.js';

/** Verifies the audit hash chain on demand and links the first broken row. */
export function VerifyChain() {
  const [result, setResult] = useState<ChainNotice>(idle);
  const [busy, startTransition] = useTransition();
  return (
    <div className="verify">
      <button type="button" disabled={busy} onClick={() => startTransition(async () => setResult(await verifyChain()))}>
        {busy ? 'Verifying…' : 'Verify hash chain'}
      </button>{' '}
      <span role={result.kind === 'error' ? 'alert' : 'status'} className={`notice ${result.kind}`}>
        {result.message} {result.firstBrokenSeq !== undefined && <a href={`/audit?before=${BigInt(result.firstBrokenSeq) + 1n}`}>Show row {result.firstBrokenSeq}</a>}
      </span>
    </div>
  );
}
