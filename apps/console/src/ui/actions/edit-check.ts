import { OpsError, checkEditedArgs } from '@airlock/ops';
import { ApiError } from '../../api/errors.js';
import { apiContext } from '../../api/runtime-context.js';
import { failed, ok, type Notice } from '../forms/notice.js';

/** An approver's edit as typed: a JSON object, or an ApiError saying what it is not; none when the field is empty. */
export function parseEditedArgs(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'the edited arguments are not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ApiError(400, 'invalid_request', 'the edited arguments must be a JSON object');
  return value as Record<string, unknown>;
}

/** The checks a submitted edit gets from the decision use case (checkEditedArgs), as a notice: "valid" or the field that is wrong. */
export async function editCheck(actionId: string, text: string): Promise<Notice> {
  try {
    const edited = parseEditedArgs(text);
    const action = await apiContext().db.prisma.action.findUnique({ where: { id: actionId }, select: { tool: true, args: true } });
    if (edited && action) checkEditedArgs(action.tool, action.args, edited);
    return ok('Valid for the tool’s schema.');
  } catch (error) {
    if (error instanceof ApiError || error instanceof OpsError) return failed(error.message);
    throw error;
  }
}
