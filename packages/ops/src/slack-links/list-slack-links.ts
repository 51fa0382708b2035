import type { Db } from '@airlock/db';
import type { SlackLinkRecord } from './link-slack-user.js';

/** Every Slack link, by user (a read: no audit row). */
export async function listSlackLinks(db: Db): Promise<SlackLinkRecord[]> {
  const rows = await db.prisma.slackUserLink.findMany({ orderBy: [{ userId: 'asc' }, { slackUserId: 'asc' }] });
  return rows.map((r) => ({ slackUserId: r.slackUserId, userId: r.userId, createdBy: r.createdBy, createdAt: r.createdAt }));
}
