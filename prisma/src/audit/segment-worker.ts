import { parentPort, workerData } from 'node:worker_threads';
import { verifyCopySegment } from './segment.js';
import type { PreparedCheckpoints } from './verifier.js';

// A verification worker (started by SegmentWorkers): checks each chunk it is sent and answers in order.
const checkpoints = (workerData as { checkpoints: PreparedCheckpoints | undefined }).checkpoints;

parentPort!.on('message', (chunk: { buffer: ArrayBuffer; length: number }) => {
  parentPort!.postMessage(verifyCopySegment(new Uint8Array(chunk.buffer, 0, chunk.length), checkpoints));
});
