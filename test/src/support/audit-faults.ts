import type { Db } from '@airlock/db';

let serial = 0;

/**
 * Makes the first `type` audit row of `actionId` fail to insert (a trigger in the test database, as a crash between
 * a write and its audit row would leave things); answers a function telling how many such inserts were tried.
 */
export async function failFirstAuditAppend(db: Db, type: string, actionId: string): Promise<() => Promise<number>> {
  const name = `test_lost_append_${++serial}_${process.pid}_${Date.now()}`;
  const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
  await db.pool.query(`CREATE SEQUENCE ${name}`);
  await db.pool.query(`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    IF NEW.type = ${literal(type)} AND NEW.action_id = ${literal(actionId)} AND nextval('${name}') = 1 THEN RAISE EXCEPTION 'test: ${type} lost'; END IF;
    RETURN NEW; END $$`);
  await db.pool.query(`CREATE TRIGGER ${name} BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION ${name}()`);
  return async () => {
    const { rows } = await db.pool.query<{ last_value: string; is_called: boolean }>(`SELECT last_value, is_called FROM ${name}`);
    return rows[0]!.is_called ? Number(rows[0]!.last_value) : 0;
  };
}
