import { OpsError, userOperator, type Operator } from '@airlock/ops';
import { refresh } from 'next/cache';
import { consoleLogger } from '../../api/telemetry.js';
import { actionUser } from '../auth/guard.js';
import { failed, ok, type Notice } from './notice.js';

/**
 * A console server action around operator use cases: same origin and a live
 * session (any role: the use case checks the role, and audits a refusal), then
 * `run`; its refusal becomes a notice naming the field, its success `done`.
 */
export async function operatorAction(what: string, run: (operator: Operator) => Promise<string | Required<Pick<Notice, 'message' | 'secret'>>>): Promise<Notice> {
  const guard = await actionUser('viewer');
  if ('refusal' in guard) return failed(guard.refusal);
  try {
    const done = await run(userOperator({ id: guard.user.userId, role: guard.user.role }, 'console'));
    refresh();
    return typeof done === 'string' ? ok(done) : { ...ok(done.message), secret: done.secret };
  } catch (error) {
    if (error instanceof OpsError) return failed(`${what} refused: ${error.message}`);
    consoleLogger().error({ err: error }, `${what} failed`);
    return failed(`${what} failed on the server; the details are in the server log.`);
  }
}

/** A form's text fields, with empty ones left out (an empty input means "not given"). */
export function formFields(form: FormData): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of form) if (typeof value === 'string' && value.trim() !== '' && !key.startsWith('$')) fields[key] = value;
  return fields;
}
