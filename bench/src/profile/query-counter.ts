import { performance } from 'node:perf_hooks';
import { preparedStatementText, type Db } from '@airlock/db';
import { splitStatements } from './sql-statements.js';

export interface QueryTally {
  /** Round trips: query calls, each one message to the server and one wait for its answer. */
  count: number;
  /** Statements in them: a simple-protocol message may hold several (`BEGIN; ...; COMMIT`). */
  statements: number;
  /** Sum of client-observed query latencies (send → result), ms. */
  ms: number;
}

export interface QueryStats extends QueryTally {
  byKind: Record<string, QueryTally>;
}

type AnyFn = (...args: unknown[]) => unknown;
interface Pending {
  text: string;
  statements: number;
  ms: number;
}

/** `SELECT agents`, `INSERT audit_events`, `BEGIN`, ...: a round trip of several statements is named by its first. */
export function statementKind(text: string): string {
  const sql = text.trim();
  if (/^(BEGIN|COMMIT|ROLLBACK)\b/i.test(sql)) return sql.split(/[\s;]/)[0]!.toUpperCase();
  // A lock taken on its own; a write that also takes one (the audit chain's) counts as the write.
  if (/^SELECT\s+pg_advisory/i.test(sql)) return 'advisory lock';
  const verb = (/^\s*(\w+)/.exec(sql)?.[1] ?? '?').toUpperCase();
  const table = /(?:FROM|INTO|UPDATE)\s+(?:"?\w+"?\.)?"?(\w+)"?/i.exec(sql)?.[1] ?? 'other';
  return `${verb} ${table}`;
}

/** Whether a statement ends the transaction (COMMIT or ROLLBACK, not ROLLBACK TO SAVEPOINT). */
const ENDS_TX = /^(COMMIT|END|ROLLBACK)\s*$/i;

/**
 * Counts and times every round trip on a Db's pool (Prisma's adapter and plain
 * SQL share it) by wrapping each pooled client's `query`, and the statements
 * each one carries. Round trips inside a transaction are labelled by it:
 * `audit tx:` if it wrote audit_events, `state tx:` otherwise; those outside one
 * are `autocommit:`. A transaction sent whole (`BEGIN; ...; COMMIT`) is one
 * round trip labelled like any other. Attach before first use.
 */
export class QueryCounter {
  enabled = false;
  private stats: QueryStats = { count: 0, statements: 0, ms: 0, byKind: {} };

  attach(db: Db): void {
    db.pool.on('connect', (client) => {
      const original = client.query.bind(client) as AnyFn;
      let tx: Pending[] | undefined;
      const completed = (sent: string, ms: number) => {
        // A prepared statement's EXECUTE is counted and labelled as the statement it runs.
        const parts = splitStatements(sent).map((part) => {
          const name = /^EXECUTE (airlock_[0-9a-f]{16})\b/.exec(part)?.[1];
          return (name && preparedStatementText(name)) ?? part;
        });
        const text = parts.join('; ');
        const statements = Math.max(1, parts.length);
        if (/^BEGIN\b/i.test(parts[0] ?? '')) tx = [];
        if (!tx) return this.record(`autocommit: ${statementKind(text)}`, statements, ms);
        tx.push({ text, statements, ms });
        if (parts.some((p) => ENDS_TX.test(p))) {
          const label = tx.some((q) => /\baudit_events\b/.test(q.text)) ? 'audit tx' : 'state tx';
          for (const q of tx) this.record(`${label}: ${statementKind(q.text)}`, q.statements, q.ms);
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

  private record(kind: string, statements: number, ms: number): void {
    this.stats.count++;
    this.stats.statements += statements;
    this.stats.ms += ms;
    const tally = (this.stats.byKind[kind] ??= { count: 0, statements: 0, ms: 0 });
    tally.count++;
    tally.statements += statements;
    tally.ms += ms;
  }

  /** Returns what was counted since the last take and starts afresh. */
  take(): QueryStats {
    const s = this.stats;
    this.stats = { count: 0, statements: 0, ms: 0, byKind: {} };
    return s;
  }
}

/** Sum of the kinds whose label starts with `prefix`. */
export function tallyOf(stats: QueryStats, prefix: string): QueryTally {
  return Object.entries(stats.byKind)
    .filter(([k]) => k.startsWith(prefix))
    .reduce((a, [, t]) => ({ count: a.count + t.count, statements: a.statements + t.statements, ms: a.ms + t.ms }), { count: 0, statements: 0, ms: 0 });
}
