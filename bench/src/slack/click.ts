import { createHmac, randomBytes } from 'node:crypto';
import { approveButton, type PostedMessage } from './fake-api.js';

/** The request Slack sends when someone presses the message's Approve button, signed with the app's signing secret. */
export function signedClick(message: PostedMessage, signingSecret: string): { body: string; headers: Record<string, string> } {
  const approve = approveButton(message.blocks);
  if (!approve) throw new Error('the approval message has no Approve button');
  const payload = {
    type: 'block_actions',
    user: { id: 'U_APPROVER', username: 'approver', team_id: 'T_BENCH' },
    team: { id: 'T_BENCH', domain: 'bench' },
    api_app_id: 'A_BENCH',
    trigger_id: `trigger.${randomBytes(6).toString('hex')}`,
    container: { type: 'message', message_ts: message.ts, channel_id: message.channel },
    channel: { id: message.channel, name: 'approvals' },
    message: { type: 'message', ts: message.ts, blocks: message.blocks },
    actions: [{ type: 'button', action_id: approve.action_id, block_id: approve.block_id, value: approve.value, action_ts: `${Date.now() / 1000}` }],
  };
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature } };
}
