import { ActionOutcome } from '@airlock/core/portable';
import { z } from 'zod';

/**
 * The few REST calls a gate-only agent makes, with its own key: who am I, ask
 * for an authorization, wait for it, report the run. Responses are parsed, so a
 * console of another version fails loudly here instead of deep in the gateway.
 */

export const AgentSelf = z.object({ id: z.string(), team: z.string(), allowedTools: z.array(z.string()) });
export type AgentSelf = z.infer<typeof AgentSelf>;

const Submitted = z.object({ actionId: z.string(), created: z.boolean(), argsHash: z.string() });

const Authorized = z.object({
  status: z.literal('authorized'),
  actionId: z.string(),
  tool: z.string(),
  authorizationId: z.string(),
  args: z.record(z.string(), z.unknown()),
  argsHash: z.string(),
  expiresAt: z.string(),
});
export type Authorized = z.infer<typeof Authorized>;
const Pending = z.object({ status: z.literal('pending'), actionId: z.string(), phase: z.string() });

export type AuthorizationState = Authorized | z.infer<typeof Pending> | ActionOutcome;

export class AirlockRequestError extends Error {
  override name = 'AirlockRequestError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface AuthorizeRequest {
  tool: string;
  args: Record<string, unknown>;
  idempotencyKey: string;
  rationale?: string;
  reportWithinMs?: number;
}

export type RunReport = { authorizationId: string; args: Record<string, unknown> } & ({ status: 'succeeded'; output: unknown } | { status: 'failed'; error: string });

export class AgentApi {
  private readonly base: string;

  constructor(
    url: string,
    private readonly apiKey: string,
    private readonly fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  async self(): Promise<AgentSelf> {
    return AgentSelf.parse((await this.call('GET', '/api/v1/agents/me')).body);
  }

  async authorize(request: AuthorizeRequest): Promise<z.infer<typeof Submitted>> {
    return Submitted.parse((await this.call('POST', '/api/v1/authorizations', request)).body);
  }

  /** Long-polls up to `waitMs` (the server caps one poll at 30 s). */
  async authorization(actionId: string, waitMs: number, signal?: AbortSignal): Promise<AuthorizationState> {
    const { body } = await this.call(
      'GET',
      `/api/v1/actions/${encodeURIComponent(actionId)}/authorization?waitMs=${Math.min(Math.max(0, Math.round(waitMs)), 30_000)}`,
      undefined,
      signal,
    );
    return z.union([Authorized, Pending, ActionOutcome]).parse(body);
  }

  async report(actionId: string, report: RunReport): Promise<ActionOutcome> {
    return ActionOutcome.parse((await this.call('POST', `/api/v1/actions/${encodeURIComponent(actionId)}/report`, report)).body);
  }

  /** Withdraws a pending action (an approver then sees it closed as cancelled). */
  async cancel(actionId: string): Promise<void> {
    await this.call('POST', `/api/v1/actions/${encodeURIComponent(actionId)}/cancel`);
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.apiKey}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.fetchImpl(`${this.base}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(signal ? { signal } : {}),
    });
    const text = await res.text();
    const parsed = parseJson(text, () => new AirlockRequestError(res.status, 'bad_response', `Airlock answered ${res.status} to ${method} ${path} with a body that is not JSON`));
    if (res.ok) return { status: res.status, body: parsed };
    const error = (parsed as { error?: { code?: string; message?: string; issues?: { path: string; message: string }[] } } | null)?.error;
    const detail = error?.issues?.length ? error.issues.map((i) => `${i.path}: ${i.message}`).join('; ') : (error?.message ?? `HTTP ${res.status}`);
    throw new AirlockRequestError(res.status, error?.code ?? 'unknown', detail);
  }
}

function parseJson(text: string, onError: () => Error): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    throw onError();
  }
}

/** Worth asking again: the console restarting, a proxy, a network blip. */
export function isTransient(error: unknown): boolean {
  if (error instanceof AirlockRequestError) return [502, 503, 504].includes(error.status);
  return error instanceof TypeError;
}
