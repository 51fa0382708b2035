import type { Db } from '@airlock/db';

// Each Slack message of an action is one slack_messages row, keyed by (action, round, target): its
// claim first (whoever writes it posts the message, once, across replays and notifiers), then where
// Slack put it and the hash of what it shows.

const MESSAGE_KINDS = ['approval', 'escalation', 'direct', 'notice'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];
/** A row's kind as the audit log names it: any other text read from the table counts as an approval message. */
export const messageKind = (kind: string): MessageKind => MESSAGE_KINDS.find((k) => k === kind) ?? 'approval';

/** Where a message goes (a channel id, or a Slack user id for a direct message) and what it is. */
export interface Target {
  target: string;
  kind: MessageKind;
  /** A direct message's recipient in Airlock. */
  airlockUserId?: string;
}

export interface MessageRow {
  actionId: string;
  round: number;
  target: string;
  kind: string;
  /** A direct message's recipient in Airlock (null on other rows, and on DMs claimed before the column). */
  airlockUserId: string | null;
  channel: string | null;
  ts: string | null;
  renderedHash: string | null;
  /** Owed (owed-messages.ts): since the first failed attempt at what it should show, and how many failed. */
  owedSince: Date | null;
  attempts: number;
  lastError: string | null;
  /** When it was claimed: a post of it cannot be older. */
  createdAt: Date;
}

/** The row if this notifier won the claim; undefined when another one already holds it. */
export async function claimMessage(db: Db, actionId: string, round: number, target: Target): Promise<MessageRow | undefined> {
  const { count } = await db.prisma.slackMessage.createMany({
    data: [{ actionId, round, target: target.target, kind: target.kind, airlockUserId: target.airlockUserId ?? null }],
    skipDuplicates: true,
  });
  return count === 1
    ? {
        actionId,
        round,
        target: target.target,
        kind: target.kind,
        airlockUserId: target.airlockUserId ?? null,
        channel: null,
        ts: null,
        renderedHash: null,
        owedSince: null,
        attempts: 0,
        lastError: null,
        createdAt: new Date(),
      }
    : undefined;
}

/** The message's row; undefined when there is none. */
export async function messageRow(db: Db, actionId: string, round: number, target: string): Promise<MessageRow | undefined> {
  return (await db.prisma.slackMessage.findUnique({ where: { actionId_round_target: { actionId, round, target } } })) ?? undefined;
}

/**
 * Names the recipient of a direct message whose row does not (claimed before the column, and not named
 * by its migration: an account found by email); never renames one. Returns the row as it now is.
 */
export async function nameRecipient(db: Db, row: MessageRow, airlockUserId: string): Promise<MessageRow> {
  await db.pool.query('UPDATE slack_messages SET airlock_user_id = $4 WHERE action_id = $1 AND round = $2 AND target = $3 AND airlock_user_id IS NULL', [
    row.actionId,
    row.round,
    row.target,
    airlockUserId,
  ]);
  return { ...row, airlockUserId };
}

/** The claim of a message whose post never succeeded; undefined when there is none or it was posted. */
export async function unpostedMessage(db: Db, actionId: string, round: number, target: string): Promise<MessageRow | undefined> {
  const row = await messageRow(db, actionId, round, target);
  return row && !row.ts ? row : undefined;
}

/** The action's rows, oldest claim first (all of them, or only its notice or only its approval messages). */
export function messageRows(db: Db, actionId: string, only?: 'notice' | 'approval'): Promise<MessageRow[]> {
  const kind = only === 'notice' ? 'notice' : only === 'approval' ? { not: 'notice' } : undefined;
  return db.prisma.slackMessage.findMany({ where: { actionId, ...(kind ? { kind } : {}) }, orderBy: { createdAt: 'asc' } });
}

/** Marks the target of a direct message whose recipient has no known Slack account yet; no Slack id starts so. */
const UNRESOLVED_DIRECT_PREFIX = 'airlock-user:';

/**
 * The target of the direct message to Airlock user `userId` while Slack could not say who they are
 * (users.lookupByEmail failed passingly): the row holds the message's owed state, so the retry pass
 * looks them up again; it is never posted, and is dropped once a lookup answers.
 */
export const unresolvedDirectTarget = (userId: string): string => `${UNRESOLVED_DIRECT_PREFIX}${userId}`;

export const isUnresolvedDirect = (row: Pick<MessageRow, 'target'>): boolean => row.target.startsWith(UNRESOLVED_DIRECT_PREFIX);

/** The Airlock user an unresolved direct message is for (its target names them). */
export const unresolvedRecipient = (row: Pick<MessageRow, 'target'>): string => row.target.slice(UNRESOLVED_DIRECT_PREFIX.length);

/** Whether the rows hold a direct message to Airlock user `userId` at their Slack account (claimed, perhaps posted). */
export const hasResolvedDirect = (rows: readonly MessageRow[], userId: string): boolean => rows.some((r) => r.airlockUserId === userId && !isUnresolvedDirect(r));

/** Removes a row that stands for nothing any more (an unresolved direct message whose recipient is now known). */
export async function dropMessage(db: Db, row: MessageRow): Promise<void> {
  await db.pool.query('DELETE FROM slack_messages WHERE action_id = $1 AND round = $2 AND target = $3', [row.actionId, row.round, row.target]);
}

/** One row's identity, as a map key. */
export const messageKey = (row: MessageRow): string => `${row.actionId}:${row.round}:${row.target}`;

/** One row, for Prisma's where. */
export const rowWhere = (row: MessageRow) => ({ actionId_round_target: { actionId: row.actionId, round: row.round, target: row.target } });
