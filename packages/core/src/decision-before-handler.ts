import { ApplicationFailure, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { statusQuery } from './messages.js';

/**
 * Admission commits round 1 (so the console, Slack and REST can show the action as
 * awaiting approval) a moment before the workflow takes admission's answer and sets
 * its `decide` handler. An update that reaches the workflow in between is refused by
 * the SDK before it is accepted ("No registered handler for update"), so it leaves
 * nothing in the history and sending it again is safe. decideAction does, while the
 * workflow says it is still classifying (or already waiting: the handler is set in
 * the same activation as that phase), for at most this long.
 */
export const ADMISSION_WINDOW_MS = 15_000;

/** The SDK's refusal of an update that arrived before any handler for it was set. */
export function isUpdateBeforeHandler(error: unknown): boolean {
  return error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.message.startsWith('No registered handler for update: ');
}

/** True while admission's answer may still be on its way to the workflow. */
export async function decisionHandlerComing(handle: WorkflowHandle): Promise<boolean> {
  try {
    const { phase } = await handle.query(statusQuery);
    return phase === 'classifying' || phase === 'awaiting_approval';
  } catch {
    return false;
  }
}
