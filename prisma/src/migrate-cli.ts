import { loadMigrateEnv } from './env.js';
import { migrate } from './migrate.js';

// `npm run migrate`: applies migrations to DATABASE_URL (an external database).
try {
  const env = loadMigrateEnv();
  const applied = await migrate(env.DATABASE_URL, { log: (line) => console.log(line) });
  console.log(applied.length ? `${applied.length} migration(s) applied` : 'database is up to date');
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
