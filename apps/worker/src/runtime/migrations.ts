// The check lives with the migrator in @airlock/db; the CLI makes it too.
export { assertMigrated } from '@airlock/db';
