import { f1, table } from '../table.js';
import type { AppendBenchResults } from './index.js';

const n0 = (n: number) => n.toFixed(0);

export function formatAppendBench(r: AppendBenchResults): string {
  return [
    `## Audit appends per second (${r.seconds} s per figure, one event per transaction; ${r.rowsWritten} chained rows written, chain ${r.chainVerified ? 'verified' : 'DID NOT VERIFY'})`,
    '',
    table(
      ['appenders', 'appendAudit /s', 'p50 ms', 'lock held through flush /s', 'p50 ms', 'plain INSERT tx /s', 'appendAudit / plain'],
      r.runs.map((run) => [
        String(run.appenders),
        n0(run.chained.perSecond),
        f1(run.chained.p50Ms),
        n0(run.lockThroughFlush.perSecond),
        f1(run.lockThroughFlush.p50Ms),
        n0(run.plain.perSecond),
        (run.chained.perSecond / run.plain.perSecond).toFixed(2),
      ]),
    ),
  ].join('\n');
}
