import type { AllMiddlewareArgs, App, BlockAction, ButtonAction, SlackActionMiddlewareArgs, types } from '@slack/bolt';
import { rememberableArgs } from '@airlock/ops';
import { denyModal } from '../blocks/deny-modal.js';
import { rememberModal } from '../blocks/remember-modal.js';
import { ACTION_APPROVE, ACTION_DENY, ACTION_OPEN_CONSOLE, ACTION_REMEMBER, decodeRef } from '../blocks/ids.js';
import { decideFromSlack, deciderOrRefuse, tell, type ListenerDeps, type SlackDecision } from '../decisions.js';
import { slackErrorCode } from '../users.js';

// Listeners for buttons on the approval message. Each acknowledges first (Slack
// gives three seconds), then does the work.

type ButtonClick = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

function containerField(container: Record<string, unknown> | undefined, field: 'channel_id' | 'message_ts'): string | undefined {
  const value = container?.[field];
  return typeof value === 'string' ? value : undefined;
}

/** Set by the HTTP receiver (context.delivery): Slack's retry of a request the first delivery did not act on. */
export function isRetry(context: Record<string, unknown>): boolean {
  return (context.delivery as { retry?: boolean } | undefined)?.retry === true;
}

function decisionFrom(click: ButtonClick, decision: 'approve' | 'deny'): SlackDecision | undefined {
  const ref = decodeRef(click.action.value);
  if (!ref) {
    click.logger.warn(`ignored a ${click.action.action_id} click whose value is not an Airlock decision reference`);
    return undefined;
  }
  const messageTs = click.body.message?.ts ?? containerField(click.body.container, 'message_ts');
  if (!messageTs) {
    click.logger.warn(`ignored a ${click.action.action_id} click that did not come from a message`);
    return undefined;
  }
  return {
    slackUserId: click.body.user.id,
    slackTeamId: click.body.team?.id ?? click.body.user.team_id,
    channel: click.body.channel?.id ?? containerField(click.body.container, 'channel_id'),
    messageTs,
    ref,
    decision,
    interactionId: click.action.action_ts,
    retry: isRetry(click.context),
  };
}

export function approveClicked(deps: ListenerDeps) {
  return async (click: ButtonClick): Promise<void> => {
    await click.ack();
    const decision = decisionFrom(click, 'approve');
    if (decision) await decideFromSlack(deps, click.client, decision);
  };
}

/** Deny asks for feedback for the model first; the decision is sent when the modal is submitted. */
export function denyClicked(deps: ListenerDeps) {
  return async (click: ButtonClick): Promise<void> => {
    await click.ack();
    const decision = decisionFrom(click, 'deny');
    if (!decision?.channel) return;
    // Unknown or disabled people, and people whose role cannot decide, are turned away before they type anything.
    if (!(await deciderOrRefuse(deps, click.client, decision))) return;
    const action = await deps.db.prisma.action.findUnique({ where: { id: decision.ref.actionId }, select: { tool: true } });
    await openModal(deps, click, decision, 'deny', denyModal({ ...decision.ref, channel: decision.channel, messageTs: decision.messageTs }, { tool: action?.tool ?? 'the tool' }));
  };
}

/**
 * Opens a modal, or tells the clicker why it did not open: Slack refuses a trigger older than
 * three seconds (a slow click path), or is unreachable, and the person would otherwise see nothing.
 */
async function openModal(deps: ListenerDeps, click: ButtonClick, decision: SlackDecision, what: 'deny' | 'remember', view: types.ModalView): Promise<void> {
  try {
    await click.client.views.open({ trigger_id: click.body.trigger_id, view });
  } catch (error) {
    const code = slackErrorCode(error);
    deps.logger.warn(`could not open the ${what} modal for action ${decision.ref.actionId}: ${error instanceof Error ? error.message : String(error)}`);
    const form = what === 'deny' ? 'the form to deny' : 'the form to approve and remember';
    await tell(
      click.client,
      decision,
      `:warning: Slack could not open ${form} this action${code ? ` (${code})` : ''}. Nothing was decided: click the button again, or decide in the console.`,
    );
  }
}

/**
 * Approve and remember opens a modal with the grant's scope pre-filled from this
 * action (bounds per argument, uses, expiry); the use case runs on submission.
 */
export function rememberClicked(deps: ListenerDeps) {
  return async (click: ButtonClick): Promise<void> => {
    await click.ack();
    const decision = decisionFrom(click, 'approve');
    if (!decision?.channel) return;
    if (!(await deciderOrRefuse(deps, click.client, decision))) return;
    const action = await deps.db.prisma.action.findUnique({ where: { id: decision.ref.actionId }, select: { tool: true, agentId: true, args: true } });
    await openModal(
      deps,
      click,
      decision,
      'remember',
      rememberModal(
        { ...decision.ref, channel: decision.channel, messageTs: decision.messageTs },
        {
          tool: action?.tool ?? 'the tool',
          agentId: action?.agentId ?? 'the agent',
          args: rememberableArgs(action?.args),
        },
      ),
    );
  };
}

/** A link button still sends an interaction; acknowledging it is all there is to do. */
export async function openInConsoleClicked({ ack }: ButtonClick): Promise<void> {
  await ack();
}

const KNOWN_ACTIONS: ReadonlySet<string> = new Set([ACTION_APPROVE, ACTION_DENY, ACTION_REMEMBER, ACTION_OPEN_CONSOLE]);

/**
 * Any other action id (a button of an older message, or not Airlock's): acknowledged at once and
 * logged. Unacknowledged, Bolt held the request for 3 s, answered 404 and logged an error, and
 * Slack showed the clicker a failure mark with no word of why.
 */
export async function unknownActionClicked({ ack, body, logger }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> {
  const ids = body.actions.map((a) => a.action_id).filter((id) => !KNOWN_ACTIONS.has(id));
  logger.warn(`ignored a click on an action Airlock does not handle: ${ids.join(', ')}`);
  await ack();
}

export function register(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTION_APPROVE, approveClicked(deps));
  app.action<BlockAction<ButtonAction>>(ACTION_DENY, denyClicked(deps));
  app.action<BlockAction<ButtonAction>>(ACTION_REMEMBER, rememberClicked(deps));
  app.action<BlockAction<ButtonAction>>(ACTION_OPEN_CONSOLE, openInConsoleClicked);
  app.action<BlockAction>({ type: 'block_actions', action_id: new RegExp(`^(?!(?:${[...KNOWN_ACTIONS].join('|')})$)`) }, unknownActionClicked);
}
