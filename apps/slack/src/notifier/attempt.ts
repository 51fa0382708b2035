import type { AuditEventOf } from '@airlock/core';
import type { MessageRow } from './message-rows.js';
import type { SlackFailure } from './slack-errors.js';

/** What admission decided, as its `action.classified` row says. */
export type Classified = AuditEventOf<'action.classified'>['payload'];

/** What the notifier delivers for an action: its approval messages, brought up to date, or its allow_and_notify notice. */
export type Delivery = { kind: 'sync'; actionId: string } | { kind: 'notice'; actionId: string; classification: Classified };

/** A message a Slack call could not post or update, and Slack's error. */
export interface FailedMessage {
  row: MessageRow;
  call: 'chat.postMessage' | 'chat.update';
  /** What was being sent (its rendered hash): a later, different content is a new delivery. */
  hash: string;
  failure: SlackFailure;
}

/** What one attempt at a delivery left: the messages Slack did not take, and owed ones it no longer needs to send. */
export interface Attempt {
  failed: FailedMessage[];
  /** Owed messages with nothing to send any more: a posted one shows the action's state; an unposted one's round closed. */
  settled: MessageRow[];
}
