import type { Db } from '@airlock/db';

// Reading what the Slack app did, for tests that wait on it: polls, never fixed sleeps.

/** Polls `find` (every 50 ms) until it returns something; fails naming `what` (and `context()`, e.g. a child's output) after `timeoutMs`. */
export async function until<T>(what: string, find: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000, context?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${context ? `; ${context()}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The action's audit rows of one type, in log order. */
export const auditRows = (db: Db, actionId: string, type: string) => db.prisma.auditEvent.findMany({ where: { actionId, type }, orderBy: { seq: 'asc' } });

/** Resolves once the Slack notifier has read the audit log up to the action's completion: every event of the action handled. */
export async function notifierReadPast(db: Db, actionId: string, timeoutMs = 30_000, context?: () => string): Promise<void> {
  const completed = await until(`the completion of ${actionId}`, async () => (await auditRows(db, actionId, 'action.completed'))[0], timeoutMs, context);
  await until(
    'the Slack notifier to read past the completion',
    async () => {
      const cursor = await db.prisma.auditCursor.findUnique({ where: { consumer: 'slack' } });
      return cursor && cursor.seq >= completed.seq ? true : undefined;
    },
    timeoutMs,
    context,
  );
}

/** Whether a Web API call's blocks carry `text`: a test's own rationale tells its messages from the others'. */
export const carries = (text: string) => (args: Record<string, unknown>) => JSON.stringify(args.blocks).includes(text);
