import { parseArgs } from 'node:util';
import { loadMigrateEnv } from './env.js';
import { markRolledBack, migrate } from './migrate.js';

// `npm run migrate`: applies migrations to DATABASE_URL (an external database).
// `npm run migrate -- --rolled-back <name>`: marks an unfinished attempt rolled back, as
// `prisma migrate resolve --rolled-back` would, once a person has put the database right.
try {
  const { values } = parseArgs({ options: { 'rolled-back': { type: 'string' } } });
  const env = loadMigrateEnv();
  const rolledBack = values['rolled-back'];
  if (rolledBack !== undefined) {
    await markRolledBack(env.DATABASE_URL, rolledBack);
    console.log(`migration ${rolledBack} marked rolled back; \`npm run migrate\` applies it again`);
  } else {
    const applied = await migrate(env.DATABASE_URL, { log: (line) => console.log(line) });
    console.log(applied.length ? `${applied.length} migration(s) applied` : 'database is up to date');
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
