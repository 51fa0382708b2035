import type pg from 'pg';
import type { ChainRow, Db } from '@airlock/db';

// The verifier's reader before it moved to COPY (a cursor FETCHed in pages, every column as text):
// kept as the read-only baseline the verify figure is compared with.
const RAW_TEXT = { getTypeParser: () => (value: string) => value };

const CHAIN_ROW_SQL = `SELECT seq::text, hash_version::text, event_key, action_id, type, actor, payload::text,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), prev_hash, hash
  FROM audit_events ORDER BY seq`;

type RawChainRow = [string, string, string, string | null, string, string, string, string, string, string];

function chainRow(r: RawChainRow): ChainRow {
  return {
    seq: Number(r[0]),
    hashVersion: Number(r[1]),
    eventKey: r[2],
    actionId: r[3],
    type: r[4],
    actor: r[5],
    payload: JSON.parse(r[6]) as unknown,
    createdAt: r[7],
    prevHash: r[8],
    hash: r[9],
  };
}

/** Pages of 5,000 rows through a server-side cursor in one snapshot, the next page fetched while the caller handles this one. */
export async function* readChainRowsBySelect(db: Db, batchSize = 5000): AsyncGenerator<ChainRow[]> {
  const client = await db.pool.connect();
  let pending: Promise<pg.QueryResult<RawChainRow>> | undefined;
  let finished = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`DECLARE audit_chain NO SCROLL CURSOR FOR ${CHAIN_ROW_SQL}`);
    const fetch = () => client.query<RawChainRow>({ text: `FETCH ${batchSize} FROM audit_chain`, rowMode: 'array', types: RAW_TEXT });
    let next = fetch();
    for (;;) {
      pending = next;
      const { rows } = await next;
      const more = rows.length === batchSize;
      if (more) pending = next = fetch();
      if (rows.length > 0) yield rows.map(chainRow);
      if (!more) break;
    }
    await client.query('COMMIT');
    finished = true;
  } finally {
    if (!finished) {
      await pending?.catch(() => undefined);
      await client.query('ROLLBACK').catch(() => undefined);
    }
    client.release();
  }
}
