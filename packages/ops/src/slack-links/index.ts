export { linkSlackUser, LinkSlackUserInput, type SlackLinkRecord } from './link-slack-user.js';
export { unlinkSlackUser, UnlinkSlackUserInput } from './unlink-slack-user.js';
export { listSlackLinks } from './list-slack-links.js';
