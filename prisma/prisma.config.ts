import { defineConfig } from 'prisma/config';

// Only `prisma generate` runs here (WASM, offline). Migrations are applied by
// src/migrate.ts; DATABASE_URL is read there through the validated env.
export default defineConfig({
  schema: 'schema.prisma',
  migrations: { path: 'migrations' },
});
