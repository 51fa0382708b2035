import { z } from 'zod';
import { notFound } from '../errors.js';
import { SlackUserId } from '../fields.js';
import { defineUseCase } from '../use-case.js';

export const UnlinkSlackUserInput = z.strictObject({ slackUserId: SlackUserId });

/** Removes a Slack link (admin); that account is then matched by verified email, if at all. */
export const unlinkSlackUser = defineUseCase({
  name: 'slack_link.delete',
  role: 'admin',
  input: UnlinkSlackUserInput,
  async write(tx, input) {
    const { rows } = await tx.query<{ user_id: string }>('DELETE FROM slack_user_links WHERE slack_user_id = $1 RETURNING user_id', [input.slackUserId]);
    if (!rows[0]) throw notFound(`no link for Slack user ${input.slackUserId}`, 'slackUserId');
    return {
      result: { slackUserId: input.slackUserId, userId: rows[0].user_id },
      audit: { type: 'slack_link.deleted', payload: { slackUserId: input.slackUserId, userId: rows[0].user_id } },
    };
  },
});
