import { linkSlackUser, listSlackLinks, runUseCase, unlinkSlackUser } from '@airlock/ops';
import { cliOperator, withDb } from './runtime.js';
import { formatTable } from './table.js';

// `airlock slack ...`: which Slack account decides as which Airlock user.

export async function linkSlackCommand(slackUserId: string, userId: string, options: { by?: string }): Promise<string> {
  return withDb(async (db) => {
    const link = await runUseCase({ db }, await cliOperator(db, options.by), linkSlackUser, { slackUserId, userId });
    return `linked Slack user ${link.slackUserId} to ${link.userId}`;
  });
}

export async function unlinkSlackCommand(slackUserId: string, options: { by?: string }): Promise<string> {
  return withDb(async (db) => {
    const { userId } = await runUseCase({ db }, await cliOperator(db, options.by), unlinkSlackUser, { slackUserId });
    return `removed the link from Slack user ${slackUserId} to ${userId}`;
  });
}

export async function listSlackLinksCommand(): Promise<string> {
  return withDb(async (db) => {
    const links = await listSlackLinks(db);
    if (links.length === 0) return 'no Slack links';
    return formatTable(
      ['slack user', 'airlock user', 'by', 'since'],
      links.map((l) => [l.slackUserId, l.userId, l.createdBy, l.createdAt.toISOString()]),
    );
  });
}
