import type { types } from '@slack/bolt';
import type { ApprovalCard, SlackMessageContent } from './approval-message.js';
import { argumentsSummary, escapeMrkdwn, quote, truncate } from './format.js';

/** What an `allow_and_notify` notice shows: the action as it was let through, as an approval card would show it. */
export type NoticeCard = Pick<ApprovalCard, 'actionId' | 'tool' | 'agentId' | 'team' | 'requestedBy' | 'tier' | 'reasons' | 'args' | 'rationale' | 'consoleUrl'>;

const SECTION_MAX = 2900;
const section = (text: string): types.SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text: truncate(text, SECTION_MAX) } });

/**
 * A notice for an action the policy allowed with `allow_and_notify`: it runs
 * without waiting, so the message has nothing to click, only what ran and why.
 */
export function noticeMessage(card: NoticeCard): SlackMessageContent {
  const team = card.team ? ` (team ${escapeMrkdwn(card.team)})` : '';
  const behalf = card.requestedBy ? ` on behalf of ${escapeMrkdwn(card.requestedBy)}` : '';
  const link = `${card.consoleUrl.replace(/\/+$/, '')}/actions/${encodeURIComponent(card.actionId)}`;
  const reasons = card.reasons.slice(0, 6).map((r) => `• ${escapeMrkdwn(truncate(r, 300))}`);
  const blocks: types.KnownBlock[] = [
    section(
      `:information_source: *Allowed with notice: \`${escapeMrkdwn(card.tool)}\`*\n*Agent* ${escapeMrkdwn(card.agentId)}${team}${behalf} ran \`${escapeMrkdwn(card.tool)}\` without approval; the policy asks that you know.`,
    ),
    section([`*Risk* ${card.tier ?? 'unclassified'}`, ...reasons].join('\n')),
    section(`*Arguments*\n${argumentsSummary(card.args)}`),
    ...(card.rationale ? [section(`*Rationale*\n${quote(truncate(card.rationale, 1500))}`)] : []),
    { type: 'context', elements: [{ type: 'mrkdwn', text: `Action <${link}|${escapeMrkdwn(card.actionId)}> · no decision needed` }] },
  ];
  return { text: `Allowed with notice: ${card.tool} by ${card.agentId}`, blocks };
}
