import { z } from 'zod';
import { notFound } from '../errors.js';
import { SlackUserId, UserRef } from '../fields.js';
import { defineUseCase } from '../use-case.js';
import { findUser } from '../users/user-row.js';

export const LinkSlackUserInput = z.strictObject({ slackUserId: SlackUserId, userId: UserRef });

export interface SlackLinkRecord {
  slackUserId: string;
  userId: string;
  createdBy: string;
  createdAt: Date;
}

interface LinkRow {
  slack_user_id: string;
  user_id: string;
  created_by: string;
  created_at: Date;
}
const LINK_COLUMNS = 'slack_user_id, user_id, created_by, created_at';
const linkRecord = (row: LinkRow): SlackLinkRecord => ({ slackUserId: row.slack_user_id, userId: row.user_id, createdBy: row.created_by, createdAt: row.created_at });

/**
 * Links a Slack account to an Airlock user (admin): a click from that account
 * then decides as that user (the link wins over matching by email). Re-linking
 * to another user replaces the link, audited with the user it had; the same link
 * again changes nothing (its maker and time stay) and writes no audit row.
 */
export const linkSlackUser = defineUseCase({
  name: 'slack_link.create',
  role: 'admin',
  input: LinkSlackUserInput,
  async write(tx, input, operator) {
    const user = await findUser(tx, input.userId, 'userId');
    if (user.disabledAt) throw notFound(`no active user "${input.userId}"`, 'userId');
    const before = await tx.query<LinkRow>(`SELECT ${LINK_COLUMNS} FROM slack_user_links WHERE slack_user_id = $1 FOR UPDATE`, [input.slackUserId]);
    const existing = before.rows[0];
    // The same link again changes nothing: who made it and when stay as the audit log says.
    if (existing?.user_id === user.id) return { result: linkRecord(existing), audit: null };
    const { rows } = await tx.query<LinkRow>(
      `INSERT INTO slack_user_links (slack_user_id, user_id, created_by) VALUES ($1, $2, $3)
       ON CONFLICT (slack_user_id) DO UPDATE SET user_id = EXCLUDED.user_id, created_by = EXCLUDED.created_by, created_at = now()
       RETURNING ${LINK_COLUMNS}`,
      [input.slackUserId, user.id, operator.actor],
    );
    const link = linkRecord(rows[0]!);
    return { result: link, audit: { type: 'slack_link.created', payload: { slackUserId: link.slackUserId, userId: link.userId, previousUserId: existing?.user_id ?? null } } };
  },
});
