import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXTERNAL_DATABASE_RECORD, externalDatabaseOf, forgetExternalDatabase, recordExternalDatabase, runningExternalDatabase, shownDatabaseUrl } from './external-database.js';

// What the launcher writes down of DATABASE_URL for the CLI: where the database is, never a secret.

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('external database record', () => {
  it('keeps host, port, database and user, and puts a placeholder wherever the URL holds a password', () => {
    expect(externalDatabaseOf('postgresql://airlock:hunter2@db.example.com:6543/airlock_prod?sslmode=require&password=x&SSLPassword=y', 7)).toEqual({
      pid: 7,
      url: 'postgresql://airlock:<password>@db.example.com:6543/airlock_prod?sslmode=require&password=<password>&SSLPassword=<sslpassword>',
      host: 'db.example.com',
      port: 6543,
      database: 'airlock_prod',
    });
    expect(externalDatabaseOf('postgres://db/airlock', 7)).toMatchObject({ url: 'postgres://db/airlock', port: 5432, database: 'airlock' });
    expect(externalDatabaseOf('host=db password=x', 7)).toBeUndefined();
  });

  it('shows a URL to copy into DATABASE_URL: never a password, a placeholder where one goes, one without as it is', () => {
    expect(shownDatabaseUrl('postgresql://airlock:s3cr%40t@db.example:5432/airlock')).toBe('postgresql://airlock:<password>@db.example:5432/airlock');
    expect(shownDatabaseUrl('postgresql://:s3cret@db.example/airlock?password=again')).toBe('postgresql://:<password>@db.example/airlock?password=<password>');
    expect(shownDatabaseUrl('postgresql://db.example/airlock?sslmode=verify-full&sslpassword=k3y')).toBe(
      'postgresql://db.example/airlock?sslmode=verify-full&sslpassword=<sslpassword>',
    );
    expect(shownDatabaseUrl('postgresql://airlock@db.example:5432/airlock?application_name=airlock')).toBe('postgresql://airlock@db.example:5432/airlock?application_name=airlock');
    expect(shownDatabaseUrl('host=db password=x')).toBeUndefined();
  });

  it('is found while the launcher that wrote it runs, and not once it is gone or the record is removed', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-external-db-'));
    dirs.push(dir);
    const record = externalDatabaseOf('postgresql://airlock:hunter2@db.example.com/airlock', process.pid)!;
    await recordExternalDatabase(dir, record);
    expect(await readFile(path.join(dir, EXTERNAL_DATABASE_RECORD), 'utf8')).not.toContain('hunter2');
    expect(runningExternalDatabase(dir)).toEqual(record);
    // A crash's leftover: its pid is no longer a process (pids stop well below 2^22 on Linux).
    await writeFile(path.join(dir, EXTERNAL_DATABASE_RECORD), JSON.stringify({ ...record, pid: 2 ** 22 + 1 }));
    expect(runningExternalDatabase(dir)).toBeUndefined();
    await recordExternalDatabase(dir, record);
    await forgetExternalDatabase(dir);
    expect(runningExternalDatabase(dir)).toBeUndefined();
  });
});
