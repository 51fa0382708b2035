import { linkSlackUser, unlinkSlackUser } from '@airlock/ops/slack-links';
import { runUseCase } from '@airlock/ops/use-case';
import { cliOperator, withDb } from './runtime.js';

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
