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

/**
 * Links a Slack account to an Airlock user (admin): a click from that account
 * then decides as that user (the link wins over matching by email). Re-linking
 * to another user replaces the link, audited with the user it had.
 */
export const linkSlackUser = defineUseCase({
  name: 'slack_link.create',
  role: 'admin',
  input: LinkSlackUserInput,
  async write(tx, input, operator) {
    const user = await findUser(tx, input.userId, 'userId');
    if (user.disabledAt) throw notFound(`no active user "${input.userId}"`, 'userId');
    const before = await tx.query<{ user_id: string }>('SELECT user_id FROM slack_user_links WHERE slack_user_id = $1 FOR UPDATE', [input.slackUserId]);
    const previous = before.rows[0]?.user_id ?? null;
    const { rows } = await tx.query<{ slack_user_id: string; user_id: string; created_by: string; created_at: Date }>(
      `INSERT INTO slack_user_links (slack_user_id, user_id, created_by) VALUES ($1, $2, $3)
       ON CONFLICT (slack_user_id) DO UPDATE SET user_id = EXCLUDED.user_id, created_by = EXCLUDED.created_by, created_at = now()
       RETURNING slack_user_id, user_id, created_by, created_at`,
      [input.slackUserId, user.id, operator.actor],
    );
    const row = rows[0]!;
    const link: SlackLinkRecord = { slackUserId: row.slack_user_id, userId: row.user_id, createdBy: row.created_by, createdAt: row.created_at };
    if (previous === user.id) return { result: link, audit: null };
    return { result: link, audit: { type: 'slack_link.created', payload: { slackUserId: link.slackUserId, userId: link.userId, previousUserId: previous } } };
  },
});
