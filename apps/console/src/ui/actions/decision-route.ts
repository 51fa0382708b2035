import { roleAtLeast } from '@airlock/core';
import { jsonResponse } from '../../api/http.js';
import { consoleDecision } from './decision.js';
import { deciderUser } from './decider-guard.js';

/**
 * POST /api/console/decisions: the console's decision as a plain form or JSON
 * POST for scripts run in a signed-in browser. Cookie-authenticated, so the
 * origin is checked before anything else (CSRF); the role is the decision use
 * case's to check, which audits a refusal (403 here).
 */
export async function postConsoleDecision(request: Request): Promise<Response> {
  const guard = await deciderUser();
  if ('refusal' in guard) return jsonResponse({ ok: false, message: guard.refusal }, guard.status);
  const isJson = request.headers.get('content-type')?.startsWith('application/json');
  let fields: Record<string, unknown>;
  try {
    fields = isJson ? ((await request.json()) as Record<string, unknown>) : Object.fromEntries(await request.formData());
  } catch {
    return jsonResponse({ ok: false, message: 'The body is neither JSON nor a form.' }, 400);
  }
  const notice = await consoleDecision(guard.user, fields);
  const status = notice.kind === 'ok' ? 200 : roleAtLeast(guard.user.role, 'approver') ? 409 : 403;
  return jsonResponse({ ok: notice.kind === 'ok', message: notice.message }, status);
}
