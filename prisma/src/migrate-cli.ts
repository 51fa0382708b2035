import { parseArgs } from 'node:util';
import { loadMigrateEnv } from './env.js';
import { markApplied, markRolledBack, migrate } from './migrate.js';

// `npm run migrate`: applies migrations to DATABASE_URL (an external database).
// `npm run migrate -- --rolled-back <name>` / `--applied <name>`: marks an unfinished attempt rolled back or
// applied, as `prisma migrate resolve` would, once a person has put the database right.
try {
  const { values } = parseArgs({ options: { 'rolled-back': { type: 'string' }, applied: { type: 'string' } } });
  const rolledBack = values['rolled-back'];
  const applied = values.applied;
  if (rolledBack !== undefined && applied !== undefined) throw new Error('--rolled-back and --applied: give one of them');
  const env = loadMigrateEnv();
  if (rolledBack !== undefined) {
    await markRolledBack(env.DATABASE_URL, rolledBack);
    console.log(`migration ${rolledBack} marked rolled back; \`npm run migrate\` applies it again`);
  } else if (applied !== undefined) {
    await markApplied(env.DATABASE_URL, applied);
    console.log(`migration ${applied} recorded applied; \`npm run migrate\` goes on from the next one`);
  } else {
    const applied = await migrate(env.DATABASE_URL, { log: (line) => console.log(line) });
    console.log(applied.length ? `${applied.length} migration(s) applied` : 'database is up to date');
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
