import { createHmac, randomBytes, randomInt } from 'node:crypto';
import type { Block, PostedMessage } from './fake-slack-api.js';

/** A request exactly as sent, so a test can send it again byte for byte. */
export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

export interface SlackClicker {
  id: string;
  name: string;
}

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** Form-encodes `payload=` and signs it the way Slack does (HMAC-SHA256 of `v0:<ts>:<body>`). */
export function signInteraction(payload: unknown, options: { secret: string; timestamp?: number }): SignedRequest {
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(options.secret, timestamp, body),
    },
  };
}

export async function send(url: string, request: SignedRequest): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
  return { status: response.status, body: await response.text() };
}

export function buttons(blocks: Block[]): Record<string, unknown>[] {
  return blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements as Record<string, unknown>[]);
}

export function button(blocks: Block[], actionId: string): Record<string, unknown> {
  const found = buttons(blocks).find((e) => e.action_id === actionId);
  if (!found) throw new Error(`no ${actionId} button in ${JSON.stringify(blocks)}`);
  return found;
}

/** Everything a person reads in the message, as one string to search. */
export function visibleText(message: Pick<PostedMessage, 'text' | 'blocks'>): string {
  return `${message.text}\n${JSON.stringify(message.blocks)}`;
}

/** A `block_actions` payload for a click on one of the message's buttons. */
export function buttonClick(message: PostedMessage, actionId: string, user: SlackClicker) {
  const element = button(message.blocks, actionId);
  const block = message.blocks.find((b) => b.type === 'actions' && (b.elements as Record<string, unknown>[]).includes(element));
  return {
    type: 'block_actions',
    user: { id: user.id, username: user.name, name: user.name, team_id: 'T_TEST' },
    api_app_id: 'A_TEST',
    token: 'unused-verification-token',
    container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
    trigger_id: `trigger.${randomBytes(6).toString('hex')}`,
    team: { id: 'T_TEST', domain: 'airlock-test' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: message.channel, name: 'approvals' },
    message: { type: 'message', ts: message.ts, text: message.text, blocks: message.blocks, bot_id: 'B_BOT', user: 'U_BOT' },
    state: { values: {} },
    response_url: 'https://hooks.slack.test/actions/unused',
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: block?.block_id,
        text: element.text,
        value: element.value,
        ...(element.style ? { style: element.style } : {}),
        action_ts: `${Math.floor(Date.now() / 1000)}.${String(randomInt(1_000_000)).padStart(6, '0')}`,
      },
    ],
  };
}

/**
 * A `view_submission` payload for the modal `views.open` showed, with text typed
 * into its inputs (or an option's value chosen in a select); untouched inputs
 * send their initial value, as Slack does.
 */
export function modalSubmission(view: Record<string, unknown>, user: SlackClicker, typed: Record<string, string>) {
  type Element = { action_id: string; type: string; initial_value?: string; initial_option?: { value: string; text: unknown }; options?: { value: string; text: unknown }[] };
  const values: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const block of view.blocks as Block[]) {
    if (block.type !== 'input') continue;
    const element = block.element as Element;
    const given = typed[block.block_id as string];
    if (element.type === 'static_select') {
      const option = given === undefined ? element.initial_option : element.options?.find((o) => o.value === given);
      values[block.block_id as string] = { [element.action_id]: { type: element.type, selected_option: option ?? null } };
    } else {
      values[block.block_id as string] = { [element.action_id]: { type: element.type, value: given ?? element.initial_value ?? null } };
    }
  }
  return {
    type: 'view_submission',
    team: { id: 'T_TEST', domain: 'airlock-test' },
    user: { id: user.id, username: user.name, name: user.name, team_id: 'T_TEST' },
    api_app_id: 'A_TEST',
    token: 'unused-verification-token',
    trigger_id: `trigger.${randomBytes(6).toString('hex')}`,
    view: { ...view, team_id: 'T_TEST', state: { values }, hash: randomBytes(6).toString('hex'), app_id: 'A_TEST', bot_id: 'B_BOT' },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}
