import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type * as Esbuild from 'esbuild';
import type { PreparedCheckpoints, SegmentResult } from './verifier.js';

// Node's require, for esbuild (CommonJS) on first use; bundlers (the console's webpack) follow it as a require.
const require = createRequire(import.meta.url);

interface Pending {
  resolve: (result: SegmentResult) => void;
  reject: (error: Error) => void;
}

let workerSource: string | undefined;

/**
 * The worker's code as one script, bundled once per process. Airlock runs its
 * TypeScript through tsx, which a worker thread would have to load again with
 * every module it imports (about 0.4 s of CPU per thread); the bundle (~16 KiB)
 * starts in milliseconds.
 */
function segmentWorkerSource(): string {
  if (workerSource === undefined) {
    // Required here, when the first worker starts, not imported with this module: `audit verify
    // --threads 0` (and the console, which verifies on its own thread) load this file but never bundle.
    const { buildSync } = require('esbuild') as typeof Esbuild;
    workerSource = buildSync({
      entryPoints: [join(dirname(fileURLToPath(import.meta.url)), 'segment-worker.ts')],
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
    }).outputFiles[0]!.text;
  }
  return workerSource;
}

/**
 * Worker threads that check chunks of the chain in parallel. Chunk i goes to
 * worker i mod n and each worker answers its chunks in order, so a caller that
 * awaits the answers in chunk order gets them in seq order.
 */
export class SegmentWorkers {
  private readonly workers: { worker: Worker; pending: Pending[] }[];
  private sent = 0;
  private failed: Error | undefined;

  constructor(count: number, checkpoints: PreparedCheckpoints | undefined) {
    this.workers = Array.from({ length: count }, () => {
      const slot = { worker: new Worker(segmentWorkerSource(), { eval: true, workerData: { checkpoints } }), pending: [] as Pending[] };
      slot.worker.on('message', (result: SegmentResult) => slot.pending.shift()?.resolve(result));
      slot.worker.on('error', (error) => this.fail(error));
      slot.worker.on('exit', (code) => this.fail(new Error(`an audit verification worker exited (code ${code})`)));
      return slot;
    });
  }

  /** Checks `bytes` (whole binary COPY tuples) on the next worker; the buffer is handed over to it (transferred, not copied). */
  verify(bytes: Buffer): Promise<SegmentResult> {
    const slot = this.workers[this.sent++ % this.workers.length]!;
    return new Promise<SegmentResult>((resolve, reject) => {
      if (this.failed) return reject(this.failed);
      slot.pending.push({ resolve, reject });
      const buffer = bytes.buffer as ArrayBuffer;
      slot.worker.postMessage({ buffer, length: bytes.length }, [buffer]);
    });
  }

  async close(): Promise<void> {
    this.failed ??= new Error('the audit verification workers were stopped');
    for (const { worker } of this.workers) worker.removeAllListeners('exit');
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
    this.rejectAll(this.failed);
  }

  private fail(error: Error): void {
    this.failed ??= error;
    this.rejectAll(error);
  }

  private rejectAll(error: Error): void {
    for (const slot of this.workers) for (const p of slot.pending.splice(0)) p.reject(error);
  }
}
