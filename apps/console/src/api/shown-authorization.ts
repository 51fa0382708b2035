import type { Principal } from './auth.js';
import type { ApiContext } from './context.js';

/**
 * An authorization as its caller may see it. The agent gets the arguments as it sent them (or as an approver edited
 * them): it runs the tool with them. A person's key gets them as the database holds them, redacted: only an admin's
 * reveal (POST /actions/:id/raw-args, its audit row written first) shows a person what the redaction hid.
 */
export async function shownAuthorization<A extends { args: Record<string, unknown> }>(ctx: ApiContext, principal: Principal, actionId: string, authorization: A): Promise<A> {
  if (principal.kind === 'agent') return authorization;
  const row = await ctx.db.prisma.action.findUnique({ where: { id: actionId }, select: { args: true } });
  return withStoredArgs(authorization, actionId, row?.args);
}

/** `authorization` with the action's stored (redacted) arguments, `stored` as read from its row. */
export function withStoredArgs<A extends { args: Record<string, unknown> }>(authorization: A, actionId: string, stored: unknown): A {
  // Admission writes the row before any authorization is handed out, and an approver's edit rewrites its arguments.
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) throw new Error(`action ${actionId} has an authorization but no stored arguments`);
  return { ...authorization, args: stored as Record<string, unknown> };
}
