import { createHash } from 'node:crypto';
import pg from 'pg';

/**
 * How the hot path's statements (inlineParams) reach PostgreSQL, several to a message (the simple protocol, which
 * takes no $n parameters):
 * - `session`: each statement is `PREPARE`d once per connection, in the first message that needs it, and then sent
 *   as `EXECUTE name(literals)`. PostgreSQL parses, analyses and plans it once per connection instead of once per
 *   message: about half of its CPU per action (bench/README, "What would move the ratio", item 1).
 * - `inline`: the values are inlined into the statement's text, which is parsed and planned every time. For a
 *   connection pooler in transaction mode (PgBouncer's default), which does not keep a session's prepared
 *   statements from one transaction to the next.
 * A process starts in `session` mode unless told otherwise (createDb's `statements`, AIRLOCK_DB_STATEMENTS), and falls
 * back to `inline` for good when the server shows that it does not keep them (see PreparingClient).
 */
export type StatementMode = 'session' | 'inline';

interface Statement {
  name: string;
  text: string;
  /** The highest $n the text holds: EXECUTE takes exactly that many values. */
  parameters: number;
}

interface Registry {
  mode: StatementMode;
  byText: Map<string, Statement>;
  byName: Map<string, Statement>;
}

// One per process, not per copy of this module: a bundler can load it more than once (Next.js does, across the
// console's server chunks), and a statement named by one copy's inlineParams is prepared by the pool's client from
// another. Each copy with its own would EXECUTE what no connection ever prepared.
const REGISTRY = Symbol.for('airlock.db.prepared-statements');
const registry = ((globalThis as Record<symbol, unknown>)[REGISTRY] ??= { mode: 'session', byText: new Map(), byName: new Map() } satisfies Registry) as Registry;
const { byText, byName } = registry;

/** Sets how statements built from now on are sent (process-wide: the statements are built before a connection is picked). */
export function setStatementMode(next: StatementMode): void {
  registry.mode = next;
}

export function statementMode(): StatementMode {
  return registry.mode;
}
// The hot path's statements are a few dozen texts (the audit append's vary with its row count and conditions). A bound
// keeps a caller that builds texts from data from filling every connection with prepared statements: past it, inline.
const MAX_STATEMENTS = 500;
const NAME_PREFIX = 'airlock_';
const EXECUTED = /EXECUTE (airlock_[0-9a-f]{16})\b/g;

/** The prepared statement to send `text` as, or undefined when it is to be inlined. */
export function preparedStatement(text: string): Statement | undefined {
  if (registry.mode !== 'session') return undefined;
  const known = byText.get(text);
  if (known || byText.size >= MAX_STATEMENTS) return known;
  let parameters = 0;
  for (const [, n] of text.matchAll(/\$(\d+)/g)) {
    if (Number(n) === 0) return undefined; // no such parameter: inlining refuses it
    parameters = Math.max(parameters, Number(n));
  }
  const statement = { name: `${NAME_PREFIX}${createHash('sha256').update(text).digest('hex').slice(0, 16)}`, text, parameters };
  byText.set(text, statement);
  byName.set(statement.name, statement);
  return statement;
}

/** The text of one of this process's prepared statements, by name (the benchmark's statement counter labels by it). */
export function preparedStatementText(name: string): string | undefined {
  return byName.get(name)?.text;
}

// SQLSTATEs that say a connection did not keep what it prepared (a pooler in transaction mode hands each transaction
// another server connection): "prepared statement … does not exist", "prepared statement … already exists".
const NOT_KEPT = new Set(['26000', '42P05']);

/**
 * The pool's connection: before a message that EXECUTEs statements this connection has not prepared, it sends their
 * PREPAREs in the same message (one round trip still), and hands the caller the message's own results only.
 * A PREPARE outlives a rollback (it is not transactional), so after a failed message that carried some, the
 * connection reads back which it holds before its next. A server that lost or already had one (a pooler in
 * transaction mode) turns the process to `inline` for good: that message fails (its transaction rolled back, so a
 * retry is safe) and every statement built after it is inlined.
 */
export class PreparingClient extends pg.Client {
  private prepared = new Set<string>();
  private unsure = false;
  /** Messages of this connection carrying PREPAREs that failed: a statement they were to prepare may not exist. */
  private failedPrepares = 0;

  // pg's overloads (config object, text and values, callbacks) pass through untouched; only a message of several
  // statements (text, no values) that EXECUTEs ours is handled here.
  override query(...args: unknown[]): never {
    const [text, values, callback] = args;
    const pass = () => (super.query as (...a: unknown[]) => never)(...args);
    if (typeof text !== 'string' || !text.includes(`EXECUTE ${NAME_PREFIX}`)) return pass();
    if (values !== undefined && typeof values !== 'function') return pass();
    const sent = this.sendPreparing(text);
    const done = (typeof values === 'function' ? values : callback) as ((error: Error | null, result?: unknown) => void) | undefined;
    if (!done) return sent as never;
    sent.then(
      (result) => done(null, result),
      (error: Error) => done(error),
    );
    return undefined as never;
  }

  private async sendPreparing(text: string): Promise<pg.QueryResult | pg.QueryResult[]> {
    const send = (sql: string) => (super.query as (sql: string) => Promise<pg.QueryResult | pg.QueryResult[]>)(sql);
    // Read back before the message itself, so the message goes to pg's queue after this wait: its caller awaits each
    // query (a transaction's statements depend on each other's results), so nothing of its own can pass it meanwhile.
    if (this.unsure) {
      const held = (await send('SELECT name FROM pg_prepared_statements')) as pg.QueryResult<{ name: string }>;
      this.prepared = new Set(held.rows.map((row) => row.name));
      this.unsure = false;
    }
    const missing: Statement[] = [];
    for (const [, name] of text.matchAll(EXECUTED)) {
      const statement = byName.get(name!);
      if (statement && !this.prepared.has(statement.name) && !missing.includes(statement)) missing.push(statement);
    }
    if (missing.length === 0) return this.sending(send, text, 0);
    const prepares = missing.map((s) => `PREPARE ${s.name} AS ${s.text}`).join('; ');
    // Counted as prepared once sent, not once answered: a message queued behind this one on the same connection
    // (pg queues them in order) then EXECUTEs instead of preparing the same name again (42P05).
    for (const statement of missing) this.prepared.add(statement.name);
    return this.sending(send, `${prepares}; ${text}`, missing.length);
  }

  private async sending(send: (sql: string) => Promise<pg.QueryResult | pg.QueryResult[]>, sql: string, prepares: number) {
    const failuresBefore = this.failedPrepares;
    try {
      const result = await send(sql);
      if (prepares === 0) return result;
      const own = (result as pg.QueryResult[]).slice(prepares);
      return own.length === 1 ? own[0]! : own;
    } catch (error) {
      if (prepares > 0) {
        this.unsure = true;
        this.failedPrepares++;
      }
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && NOT_KEPT.has(code)) {
        this.unsure = true;
        // A message of this connection that carried PREPAREs failed while this one waited: that explains a missing
        // statement. Only a server that lost one this connection is sure it prepared says a pooler is in the way.
        if (registry.mode === 'session' && this.failedPrepares === failuresBefore) {
          registry.mode = 'inline';
          console.warn(
            `airlock: the database did not keep a prepared statement (${(error as Error).message}): a connection pooler in transaction mode? Statements are inlined from now on; set AIRLOCK_DB_STATEMENTS=inline to start that way`,
          );
        }
      }
      throw error;
    }
  }
}
