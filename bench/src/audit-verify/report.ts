import { f1, f2, table } from '../table.js';
import type { AuditBenchResults } from './index.js';

const k = (n: number) => `${(n / 1000).toFixed(1)}k`;

export function formatAuditBench(r: AuditBenchResults): string {
  const [parallel, single] = r.verify;
  return [
    `## Audit chain verification (${r.rows} rows, ${f1(r.tableMiB)} MiB with indexes; seeded in ${f1(r.seedSeconds)} s)`,
    '',
    `1-minute load average ${f1(r.load.start)} before the passes, ${f1(r.load.end)} after.`,
    '',
    table(
      ['pass', 'rows/s', 'seconds for the chain', 'CPU µs/row (all threads)'],
      [
        ...r.verify.map((v) => [
          `verifyAuditChain, ${v.threads === 0 ? 'checked on the reading thread' : `${v.threads} worker threads checking`}`,
          k(v.rowsPerSecond),
          v.seconds.map(f2).join(' / '),
          f2(v.cpuMicrosPerRow),
        ]),
        ['ceiling: the same COPY read, checking nothing', k(r.copyRowsPerSecond), f2(r.rows / r.copyRowsPerSecond), f2(r.copyCpuMicrosPerRow)],
        ['baseline: read only, SELECT cursor pages (the reader before COPY)', k(r.selectRowsPerSecond), f2(r.rows / r.selectRowsPerSecond), ''],
        ['check only, one thread (verifyCopySegment of COPY chunks in memory)', k(r.checkRowsPerSecond), f2(r.rows / r.checkRowsPerSecond), f2(r.checkCpuMicrosPerRow)],
        ['general path only, one thread (auditRowHash of parsed rows in memory)', k(r.hashRowsPerSecond), f2(r.rows / r.hashRowsPerSecond), ''],
      ],
    ),
    '',
    parallel && single
      ? `verify / ceiling: ${f2(parallel.rowsPerSecond / r.copyRowsPerSecond)}x with threads, ${f2(single.rowsPerSecond / r.copyRowsPerSecond)}x without; verify / baseline read: ${f2(parallel.rowsPerSecond / r.selectRowsPerSecond)}x.`
      : '',
    '',
    ...r.verify.map(
      (v) => `Peak main-thread heap with ${v.threads} threads: ${f1(v.peakHeapMiB)} MiB; at most ${v.peakBufferedRows} rows held at once (streamed: flat in the chain's length).`,
    ),
  ].join('\n');
}
