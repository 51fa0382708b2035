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
        ['verifyAuditChain (read + check)', k(r.verifyRowsPerSecond), r.verifySeconds.map(f2).join(' / ')],
        ['read only (same batched SELECTs)', k(r.fetchRowsPerSecond), f2(r.rows / r.fetchRowsPerSecond)],
        ['check only (hash rows in memory)', k(r.hashRowsPerSecond), f2(r.rows / r.hashRowsPerSecond)],
      ],
    ),
  ].join('\n');
}
