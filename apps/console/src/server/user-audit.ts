import { appendAudit, type Db } from '@airlock/db';

/**
 * Puts a person's change to governance (grants, budgets, agent tools) in the
 * audit chain as `user:<id>`. The event key names the change once, so a retried
 * write is still one event.
 */
export async function auditUserChange(db: Db, userId: string, event: { eventKey: string; type: string; payload: Record<string, unknown> }): Promise<void> {
  await appendAudit(db, { ...event, actor: `user:${userId}` });
}
