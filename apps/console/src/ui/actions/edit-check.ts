import { OpsError, checkEditedArgs } from '@airlock/ops';
import { ApiError } from '../../api/errors.js';
import { apiContext } from '../../api/runtime-context.js';
import { failed, ok, type Notice } from '../forms/notice.js';

/** Parses an approver's edit and checks it as the decision will be (an ApiError or OpsError naming the field). */
export async function editedArgsFor(actionId: string, text: string | undefined): Promise<Record<string, unknown> | undefined> {
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'the edited arguments are not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ApiError(400, 'invalid_request', 'the edited arguments must be a JSON object');
  const action = await apiContext().db.prisma.action.findUnique({ where: { id: actionId }, select: { tool: true, args: true } });
  if (action) checkEditedArgs(action.tool, action.args, value as Record<string, unknown>);
  return value as Record<string, unknown>;
}

/** The same checks a submitted edit gets, as a notice: "valid" or the field that is wrong. */
export async function editCheck(actionId: string, text: string): Promise<Notice> {
  try {
    await editedArgsFor(actionId, text);
    return ok('Valid for the tool’s schema.');
  } catch (error) {
    if (error instanceof ApiError || error instanceof OpsError) return failed(error.message);
    throw error;
  }
}
