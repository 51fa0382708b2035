import { performance } from 'node:perf_hooks';
import type { Db } from '@airlock/db';

export interface QueryTally {
  count: number;
  /** Sum of client-observed query latencies (send → result), ms. */
  ms: number;
}

export interface QueryStats extends QueryTally {
  byKind: Record<string, QueryTally>;
}

type AnyFn = (...args: unknown[]) => unknown;
interface Pending {
  text: string;
  ms: number;
}

/** `SELECT agents`, `INSERT audit_events`, `BEGIN`, ... */
export function statementKind(text: string): string {
  const sql = text.trim();
  // `BEGIN; <start gate>` and `COMMIT; <wait for the WAL flush>` are one round trip each, counted as the first.
  if (/^(BEGIN|COMMIT|ROLLBACK)\b/i.test(sql)) return sql.split(/[\s;]/)[0]!.toUpperCase();
  // A lock taken on its own; a write that also takes one (the audit chain's) counts as the write.
  if (/^SELECT\s+pg_advisory/i.test(sql)) return 'advisory lock';
  const verb = (/^\s*(\w+)/.exec(sql)?.[1] ?? '?').toUpperCase();
  const table = /(?:FROM|INTO|UPDATE)\s+(?:"?\w+"?\.)?"?(\w+)"?/i.exec(sql)?.[1] ?? 'other';
  return `${verb} ${table}`;
}

/**
 * Counts and times every query on a Db's pool (Prisma's adapter and plain SQL
 * share it) by wrapping each pooled client's `query`. Statements inside a
 * transaction are labelled by it: `audit tx:` if it wrote audit_events,
 * `state tx:` otherwise; statements outside one are `autocommit:`. Attach before first use.
 */
export class QueryCounter {
  enabled = false;
  private stats: QueryStats = { count: 0, ms: 0, byKind: {} };

  attach(db: Db): void {
    db.pool.on('connect', (client) => {
      const original = client.query.bind(client) as AnyFn;
      let tx: Pending[] | undefined;
      const completed = (text: string, ms: number) => {
        const kind = statementKind(text);
        if (kind === 'BEGIN') tx = [];
        if (!tx) return this.record(`autocommit: ${kind}`, ms);
        tx.push({ text, ms });
        if (kind === 'COMMIT' || kind === 'ROLLBACK') {
          const label = tx.some((q) => /\baudit_events\b/.test(q.text)) ? 'audit tx' : 'state tx';
          for (const q of tx) this.record(`${label}: ${statementKind(q.text)}`, q.ms);
          tx = undefined;
        }
      };
      (client as unknown as { query: AnyFn }).query = (...args: unknown[]) => {
        if (!this.enabled) return original(...args);
        const first = args[0];
        const text = typeof first === 'string' ? first : ((first as { text?: string } | undefined)?.text ?? '');
        const t0 = performance.now();
        const done = () => completed(text, performance.now() - t0);
        const last = args[args.length - 1];
        if (typeof last === 'function') {
          args[args.length - 1] = (...cbArgs: unknown[]) => {
            done();
            return (last as AnyFn)(...cbArgs);
          };
          return original(...args);
        }
        const result = original(...args);
        if (result && typeof (result as Promise<unknown>).then === 'function') (result as Promise<unknown>).then(done, done);
        return result;
      };
    });
  }

  private record(kind: string, ms: number): void {
    this.stats.count++;
    this.stats.ms += ms;
    const tally = (this.stats.byKind[kind] ??= { count: 0, ms: 0 });
    tally.count++;
    tally.ms += ms;
  }

  /** Returns what was counted since the last take and starts afresh. */
  take(): QueryStats {
    const s = this.stats;
    this.stats = { count: 0, ms: 0, byKind: {} };
    return s;
  }
}

/** Sum of the kinds whose label starts with `prefix`. */
export function tallyOf(stats: QueryStats, prefix: string): QueryTally {
  return Object.entries(stats.byKind)
    .filter(([k]) => k.startsWith(prefix))
    .reduce((a, [, t]) => ({ count: a.count + t.count, ms: a.ms + t.ms }), { count: 0, ms: 0 });
}
