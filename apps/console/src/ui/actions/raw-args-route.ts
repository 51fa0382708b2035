import { revealRawArgs } from '../../api/raw-args.js';
import { errorResponse, forbidden, notFound, unauthenticated } from '../../api/errors.js';
import { jsonResponse } from '../../api/http.js';
import { apiContext } from '../../api/runtime-context.js';
import { ActionId } from '../../api/schemas.js';
import { actionUser } from '../auth/guard.js';

/**
 * POST /api/console/actions/:id/raw-args: the action page's "Reveal raw arguments".
 * Cookie-authenticated, so the origin is checked first (CSRF), then the session,
 * then the admin role, on the server; answers in the REST API's shapes.
 */
export async function postConsoleRawArgs(_request: Request, segment: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const guard = await actionUser('admin');
    if ('refusal' in guard) throw guard.status === 401 ? unauthenticated(guard.refusal) : forbidden(guard.refusal);
    const id = ActionId.safeParse((await segment.params).id);
    if (!id.success) throw notFound();
    return jsonResponse(await revealRawArgs(apiContext(), id.data, { userId: guard.user.userId, channel: 'console' }));
  } catch (error) {
    return errorResponse(error);
  }
}
