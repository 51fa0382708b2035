import { f1, f2, table } from '../table.js';
import type { AuditBenchResults } from './index.js';

const k = (n: number) => `${(n / 1000).toFixed(1)}k`;

export function formatAuditBench(r: AuditBenchResults): string {
  return [
    `## Audit chain verification (${r.rows} rows, ${f1(r.tableMiB)} MiB with indexes; seeded in ${f1(r.seedSeconds)} s)`,
    '',
    table(
      ['pass', 'rows/s', 'seconds for the chain'],
      [
        ['verifyAuditChain (COPY read + check, end to end)', k(r.verifyRowsPerSecond), r.verifySeconds.map(f2).join(' / ')],
        ['baseline: read only, SELECT cursor pages (the previous reader)', k(r.selectRowsPerSecond), f2(r.rows / r.selectRowsPerSecond)],
        ['read only, COPY TO STDOUT (the verifier reader)', k(r.copyRowsPerSecond), f2(r.rows / r.copyRowsPerSecond)],
        ['check only (hash rows in memory)', k(r.hashRowsPerSecond), f2(r.rows / r.hashRowsPerSecond)],
      ],
    ),
    '',
    `verifyAuditChain / baseline read: ${f2(r.verifyRowsPerSecond / r.selectRowsPerSecond)}x. The verifying process used ${f2(r.verifyCpuMicrosPerRow)} µs of CPU per row (${k(1e6 / r.verifyCpuMicrosPerRow)} rows per CPU-second; PostgreSQL's COPY runs beside it on another core).`,
    '',
    `Peak heap while verifying: ${f1(r.peakHeapMiB)} MiB (streamed: flat in the chain's length).`,
  ].join('\n');
}
