import { linkSlackUser, listSlackLinks, runUseCase, unlinkSlackUser } from '@airlock/ops';
import { operatorRoute } from '../../operator-route.js';

/** GET /api/v1/slack-links (admin). */
export const getSlackLinks = operatorRoute('management/slack-links#getSlackLinks', async (ctx) => ({ links: await listSlackLinks(ctx.db) }), { body: false });

/** POST /api/v1/slack-links (admin): a click from that Slack account decides as the user. */
export const postSlackLink = operatorRoute('management/slack-links#postSlackLink', (ctx, operator, body) => runUseCase(ctx, operator, linkSlackUser, body), { status: 201 });

/** DELETE /api/v1/slack-links/:id (admin), id = the Slack user id. */
export const deleteSlackLink = operatorRoute<{ id: string }>(
  'management/slack-links#deleteSlackLink',
  (ctx, operator, _body, { id }) => runUseCase(ctx, operator, unlinkSlackUser, { slackUserId: id }),
  { body: false },
);
