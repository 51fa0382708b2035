import { createDb } from '@airlock/db/client';

// The control of startup-modules.test.ts: a process that makes one Prisma query, run with the same
// loader and module recorder as the CLI, so the test can show the recorder sees Prisma's query compiler.
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is not set');
const db = createDb(url, { poolSize: 1 });
try {
  console.log(`users: ${await db.prisma.user.count()}`);
} finally {
  await db.close();
}
