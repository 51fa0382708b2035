import { PLAN_TOOL, type BudgetImpactView, type RiskTier } from '@airlock/core';
import type { types } from '@slack/bolt';
import { argumentsSummary, code, escapeMrkdwn, quote, slackDate, truncate } from './format.js';
import { ACTION_APPROVE, ACTION_DENY, ACTION_OPEN_CONSOLE, ACTION_REMEMBER, DECISION_BLOCK, encodeRef } from './ids.js';

export interface DecisionLine {
  approverId: string;
  approverName: string;
  decision: 'approve' | 'deny';
  comment?: string;
  /** The approver approved edited arguments (a new round follows). */
  edited: boolean;
  decidedAt: Date;
}

/** Where the round stands; anything but `open` removes the buttons. */
export type RoundStatus =
  | { kind: 'open' }
  /** `byTimeoutRule`: nobody decided before the deadline, and the round's timeout outcome approved it. */
  | { kind: 'approved'; at: Date; byTimeoutRule?: true }
  | { kind: 'denied'; at: Date }
  | { kind: 'expired'; at: Date }
  | { kind: 'cancelled'; at: Date; reason: string }
  | { kind: 'superseded'; at: Date; reason: string };

/**
 * What happened to the tool once the round was approved. `claimed`: a runner of the agent claimed a gate-only action's
 * run (the agent runs the tool); `reported`: the agent reported how its run went.
 */
export type ExecutionState =
  | { kind: 'not_started' }
  | { kind: 'running'; at: Date; claimed?: true }
  | { kind: 'succeeded'; at: Date; reported?: true }
  | { kind: 'failed'; at: Date; error: string; reported?: true }
  | { kind: 'cancelled'; at: Date }
  /** A runner claimed the run and the action ended without a report: the tool may have run, its result unknown. */
  | { kind: 'may_have_run'; at: Date; claimedAt: Date; reason: string }
  | { kind: 'not_run'; reason: string };

/** One approval round as a person in Slack sees it. All text is already redacted. */
export interface ApprovalCard {
  actionId: string;
  approvalId: string;
  round: number;
  tool: string;
  agentId: string;
  team: string | null;
  requestedBy: string | null;
  tier: RiskTier | null;
  reasons: string[];
  args: Record<string, unknown>;
  argsHash: string;
  rationale: string;
  budgetImpacts: BudgetImpactView[];
  deadline: Date | null;
  requiredApprovals: number;
  approverRole: string;
  approverGroup: string | null;
  escalation: { level: number; to: string } | null;
  decisions: DecisionLine[];
  status: RoundStatus;
  execution: ExecutionState;
  consoleUrl: string;
}

export interface SlackMessageContent {
  text: string;
  blocks: types.KnownBlock[];
}

const TIER_BADGE: Record<RiskTier, string> = {
  low: ':large_blue_circle: low',
  medium: ':large_yellow_circle: medium',
  high: ':large_orange_circle: high',
  critical: ':red_circle: critical',
};

const HEADLINE: Record<RoundStatus['kind'], string> = {
  open: 'Approval needed',
  approved: 'Approved',
  denied: 'Denied',
  expired: 'Timed out',
  cancelled: 'Cancelled',
  superseded: 'Superseded',
};

/** Section text is capped at 3000 characters by Slack; stay well under it. */
const SECTION_MAX = 2900;
/** A section field's text: at most 2000 characters. */
const FIELD_MAX = 2000;
/** A confirmation dialog's text: at most 300 characters (more and Slack refuses the whole message: invalid_blocks). */
export const CONFIRM_TEXT_MAX = 300;

/** The action's own page: its full arguments, the decision controls while open, the outcome and timeline after. */
export function consoleLink(card: Pick<ApprovalCard, 'consoleUrl' | 'actionId'>): string {
  return `${card.consoleUrl.replace(/\/+$/, '')}/actions/${encodeURIComponent(card.actionId)}`;
}

function mrkdwn(text: string): types.MrkdwnElement {
  return { type: 'mrkdwn', text: truncate(text, SECTION_MAX) };
}

function section(text: string): types.SectionBlock {
  return { type: 'section', text: mrkdwn(text) };
}

function tierLine(card: ApprovalCard): string {
  const badge = card.tier ? TIER_BADGE[card.tier] : 'unclassified';
  const reasons = card.reasons.slice(0, 6).map((r) => `• ${escapeMrkdwn(truncate(r, 300))}`);
  return [`*Risk* ${badge}`, ...reasons].join('\n');
}

function whoLine(card: ApprovalCard): string {
  const team = card.team ? ` (team ${escapeMrkdwn(card.team)})` : '';
  const behalf = card.requestedBy ? ` on behalf of ${escapeMrkdwn(card.requestedBy)}` : '';
  return `*Agent* ${escapeMrkdwn(card.agentId)}${team}${behalf} wants to run ${code(card.tool)}`;
}

function budgetLines(impacts: BudgetImpactView[]): string {
  const lines = impacts.map((b) => {
    const threshold = b.approvalThreshold ? `, approval above ${b.approvalThreshold}` : '';
    const crossed = b.thresholdCrossed ? ' :warning: crosses the approval threshold' : '';
    return (
      `• ${escapeMrkdwn(b.scope)} ${escapeMrkdwn(b.target)}, per ${escapeMrkdwn(b.period)}: this action ${b.thisAction} ${escapeMrkdwn(b.currency)}` +
      ` (spent ${b.spent}, reserved ${b.reserved} of ${b.limit}${threshold})${crossed}`
    );
  });
  return ['*Budget impact*', ...lines].join('\n');
}

function quorumText(card: ApprovalCard): string {
  const approvals = card.decisions.filter((d) => d.decision === 'approve').length;
  const who = `${card.approverRole}${card.approverGroup ? ` in ${escapeMrkdwn(card.approverGroup)}` : ''}`;
  return `*Quorum*\n${approvals} of ${card.requiredApprovals} approval${card.requiredApprovals === 1 ? '' : 's'} (${who})`;
}

function deadlineText(card: ApprovalCard): string {
  const when = card.deadline ? slackDate(card.deadline) : 'none: waits until decided';
  const escalated = card.escalation ? `\n:arrow_up: escalated to ${escapeMrkdwn(card.escalation.to)} (level ${card.escalation.level})` : '';
  return `*Deadline*\n${when}${escalated}`;
}

function decisionLine(d: DecisionLine): string {
  const [emoji, verb] = d.decision === 'deny' ? [':no_entry:', 'denied'] : d.edited ? [':pencil2:', 'approved edited arguments'] : [':white_check_mark:', 'approved'];
  const comment = d.comment ? `: “${escapeMrkdwn(truncate(d.comment, 300))}”` : '';
  return `${emoji} *${escapeMrkdwn(d.approverName)}* ${verb} ${slackDate(d.decidedAt)}${comment}`;
}

function statusLine(card: ApprovalCard): string {
  const { status, execution } = card;
  const deciders = (kind: 'approve' | 'deny') =>
    card.decisions
      .filter((d) => d.decision === kind)
      .map((d) => escapeMrkdwn(d.approverName))
      .join(', ');
  const approval = ((): string => {
    switch (status.kind) {
      case 'open': {
        const missing = card.requiredApprovals - card.decisions.filter((d) => d.decision === 'approve').length;
        if (missing <= 0) return ':white_check_mark: Quorum reached';
        return `:hourglass_flowing_sand: Waiting for ${missing} more approval${missing === 1 ? '' : 's'}`;
      }
      case 'approved': {
        if (status.byTimeoutRule) return `:white_check_mark: Approved by the timeout rule ${slackDate(status.at)}: no decision before the deadline`;
        // A round can close approved with no approval of its own (an editor's carried into the round): no name then.
        const by = deciders('approve');
        return `:white_check_mark: Approved${by ? ` by ${by}` : ''} ${slackDate(status.at)}`;
      }
      case 'denied':
        return `:no_entry: Denied by ${deciders('deny') || 'policy'} ${slackDate(status.at)}`;
      case 'expired':
        return `:alarm_clock: Timed out ${slackDate(status.at)}: no decision before the deadline`;
      case 'cancelled':
        return `:octagonal_sign: Cancelled ${slackDate(status.at)}: ${escapeMrkdwn(truncate(status.reason, 500))}`;
      case 'superseded':
        return `:pencil2: Superseded ${slackDate(status.at)}: ${escapeMrkdwn(truncate(status.reason, 500))}`;
    }
  })();
  const tool = code(card.tool);
  const run = ((): string | undefined => {
    switch (execution.kind) {
      case 'not_started':
        return undefined;
      case 'running':
        return execution.claimed ? `:gear: ${tool} claimed by a runner of the agent ${slackDate(execution.at)}: running` : `:gear: ${tool} started ${slackDate(execution.at)}`;
      case 'succeeded':
        return `:heavy_check_mark: ${tool} succeeded ${slackDate(execution.at)}${execution.reported ? ', as the agent reported' : ''}`;
      case 'failed':
        return `:x: ${tool} failed ${slackDate(execution.at)}${execution.reported ? ', as the agent reported' : ''}: ${escapeMrkdwn(truncate(execution.error, 500))}`;
      case 'may_have_run':
        return `:grey_question: ${tool} may have run: a runner of the agent claimed it ${slackDate(execution.claimedAt)} and never reported: ${escapeMrkdwn(truncate(execution.reason, 500))}`;
      case 'cancelled':
        return `:octagonal_sign: ${tool} was cancelled ${slackDate(execution.at)}`;
      case 'not_run':
        return `:no_entry_sign: not run: ${escapeMrkdwn(truncate(execution.reason, 500))}`;
    }
  })();
  return run ? `${approval}\n${run}` : approval;
}

/**
 * What the Approve confirmation says. Agent ids and tool names (128 characters each, more once escaped) can
 * take it past Slack's limit: the names are then left out; the message above the button shows them.
 */
function confirmText(card: ApprovalCard): string {
  const named = `This lets *${escapeMrkdwn(card.agentId)}* run ${code(card.tool)} with the arguments shown. It cannot be taken back here.`;
  return named.length <= CONFIRM_TEXT_MAX ? named : 'This lets the agent run the tool above with the arguments shown. It cannot be taken back here.';
}

function decisionButtons(card: ApprovalCard): types.ActionsBlock {
  const value = encodeRef({ actionId: card.actionId, round: card.round, argsHash: card.argsHash });
  const approve: types.Button = {
    type: 'button',
    action_id: ACTION_APPROVE,
    style: 'primary',
    text: { type: 'plain_text', text: 'Approve' },
    value,
  };
  // As in the console: a high or critical action runs on a second, deliberate click.
  if (card.tier === 'high' || card.tier === 'critical') {
    approve.confirm = {
      title: { type: 'plain_text', text: `Approve a ${card.tier}-risk action?` },
      text: { type: 'mrkdwn', text: confirmText(card) },
      confirm: { type: 'plain_text', text: 'Approve' },
      deny: { type: 'plain_text', text: 'Cancel' },
      style: 'primary',
    };
  }
  return {
    type: 'actions',
    block_id: DECISION_BLOCK,
    elements: [
      approve,
      { type: 'button', action_id: ACTION_DENY, style: 'danger', text: { type: 'plain_text', text: 'Deny' }, value },
      // Only a round one person decides alone can become a standing approval; a plan's cannot (its steps are not bound by its arguments).
      ...(card.requiredApprovals === 1 && card.tool !== PLAN_TOOL
        ? [{ type: 'button' as const, action_id: ACTION_REMEMBER, text: { type: 'plain_text' as const, text: 'Approve & remember…' }, value }]
        : []),
      { type: 'button', action_id: ACTION_OPEN_CONSOLE, text: { type: 'plain_text', text: 'Open in console' }, url: consoleLink(card) },
    ],
  };
}

/** The approval message: posted when a round opens, re-rendered on every later change. */
export function approvalMessage(card: ApprovalCard): SlackMessageContent {
  const headline = `${HEADLINE[card.status.kind]}: ${card.tool}`;
  const blocks: types.KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(headline, 150) } },
    section(`${whoLine(card)}\n${tierLine(card)}`),
    section(`*Arguments*${card.round > 1 ? ` (round ${card.round}, edited)` : ''}\n${argumentsSummary(card.args)}`),
  ];
  if (card.rationale.trim()) blocks.push(section(`*Rationale*\n${quote(truncate(card.rationale.trim(), 1500))}`));
  if (card.budgetImpacts.length > 0) blocks.push(section(budgetLines(card.budgetImpacts)));
  const field = (text: string): types.MrkdwnElement => ({ type: 'mrkdwn', text: truncate(text, FIELD_MAX) });
  blocks.push({ type: 'section', fields: [field(deadlineText(card)), field(quorumText(card))] });
  if (card.decisions.length > 0) blocks.push(section(card.decisions.map(decisionLine).join('\n')));
  blocks.push(section(statusLine(card)));
  if (card.status.kind === 'open') {
    blocks.push(decisionButtons(card));
  } else {
    blocks.push({ type: 'context', elements: [mrkdwn(`<${consoleLink(card)}|Open in console> · action ${escapeMrkdwn(card.actionId)}`)] });
  }
  const tier = card.tier ? ` (${card.tier} risk)` : '';
  return { text: `${headline}${tier} for agent ${card.agentId}`, blocks };
}
