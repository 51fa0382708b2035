import type { Db } from '@airlock/db';
import type { SlackLinkRecord } from './link-slack-user.js';

/**
 * Every Slack link, by user (a read: no audit row). Plain SQL, not Prisma: a Prisma query starts its
 * WASM query compiler (about 0.5 s of CPU), which `airlock slack links` would pay on every run.
 */
export async function listSlackLinks(db: Db): Promise<SlackLinkRecord[]> {
  const { rows } = await db.pool.query<{ slack_user_id: string; user_id: string; created_by: string; created_at: Date }>(
    'SELECT slack_user_id, user_id, created_by, created_at FROM slack_user_links ORDER BY user_id ASC, slack_user_id ASC',
  );
  return rows.map((row) => ({ slackUserId: row.slack_user_id, userId: row.user_id, createdBy: row.created_by, createdAt: row.created_at }));
}
