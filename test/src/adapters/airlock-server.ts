import {
  getAction,
  getActionStatusView,
  getAgentSelf,
  getAuthorization,
  getOpenApi,
  getOutcome,
  postAction,
  postActionCancel,
  postAuthorization,
  postClaim,
  postDecision,
  postReport,
} from '@airlock/console';
import { Airlock } from '@airlock/sdk';
import { contextOf, seedKeys, type ApiKeys } from '../api/client.js';
import { startApiServer, type ApiServer } from '../support/api-server.js';
import { startHarness, type Harness } from '../support/harness.js';

/** The agent-facing REST API (actions, gate-only authorizations, decisions) over real HTTP, on a real worker and Temporal. */
export interface AirlockServer {
  h: Harness;
  api: ApiServer;
  keys: ApiKeys;
  /**
   * A REST client with billing-bot's key. `report`, given, stands between it and Airlock for each report
   * (POST …/report, counted from 1): a Response it returns is the answer and Airlock never sees the report.
   */
  connect(options?: { report?: (attempt: number) => Response | undefined }): Promise<Airlock>;
  /** A person's decision through POST /actions/:id/decisions, bound to the arguments they saw. */
  decide(actionId: string, decision: 'approve' | 'deny', options?: { feedback?: string; key?: string; editedArgs?: Record<string, unknown> }): Promise<void>;
  /** Waits (polling the status) until the action waits for a person. */
  awaitingApproval(actionId: string): Promise<void>;
  close(): Promise<void>;
}

export async function startAirlockServer(): Promise<AirlockServer> {
  const h = await startHarness();
  const keys = await seedKeys(h.db);
  const api = await startApiServer(contextOf(h), [
    { method: 'POST', path: '/api/v1/actions', handler: postAction },
    { method: 'GET', path: '/api/v1/actions/:id', handler: getAction },
    { method: 'GET', path: '/api/v1/actions/:id/outcome', handler: getOutcome },
    { method: 'GET', path: '/api/v1/actions/:id/status', handler: getActionStatusView },
    { method: 'POST', path: '/api/v1/actions/:id/cancel', handler: postActionCancel },
    { method: 'POST', path: '/api/v1/actions/:id/decisions', handler: postDecision },
    { method: 'POST', path: '/api/v1/authorizations', handler: postAuthorization },
    { method: 'GET', path: '/api/v1/actions/:id/authorization', handler: getAuthorization },
    { method: 'POST', path: '/api/v1/actions/:id/claim', handler: postClaim },
    { method: 'POST', path: '/api/v1/actions/:id/report', handler: postReport },
    { method: 'GET', path: '/api/v1/agents/me', handler: getAgentSelf },
    { method: 'GET', path: '/api/v1/openapi.json', handler: () => getOpenApi() },
  ]);

  const call = async (method: 'GET' | 'POST', path: string, key: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return JSON.parse(text) as unknown;
  };

  const status = async (actionId: string) => (await call('GET', `/api/v1/actions/${actionId}/status`, keys.alice)) as { phase: string; argsHash: string };

  return {
    h,
    api,
    keys,
    connect(options = {}) {
      const { report } = options;
      if (!report) return Airlock.connect({ url: api.url, apiKey: keys.agent, pollWaitMs: 5_000 });
      let attempt = 0;
      const standIn: typeof fetch = (input, init) => {
        const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        const isReport = init?.method === 'POST' && url.endsWith('/report');
        const standInAnswer = isReport ? report(++attempt) : undefined;
        return standInAnswer ? Promise.resolve(standInAnswer) : fetch(input, init);
      };
      return Airlock.connect({ url: api.url, apiKey: keys.agent, pollWaitMs: 5_000, fetch: standIn });
    },
    async decide(actionId, decision, options = {}) {
      const { argsHash } = await status(actionId);
      await call('POST', `/api/v1/actions/${actionId}/decisions`, options.key ?? keys.alice, {
        decision,
        argsHash,
        ...(options.feedback ? { feedback: options.feedback } : {}),
        ...(options.editedArgs ? { editedArgs: options.editedArgs } : {}),
      });
    },
    async awaitingApproval(actionId) {
      for (;;) {
        if ((await status(actionId)).phase === 'awaiting_approval') return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async close() {
      await api.close();
      await h.close();
    },
  };
}

/** An answer of Airlock's API with `status` and its error shape: what a proxy or a failing console sends back. */
export function apiError(status: number, code: string, message: string): Response {
  return new Response(JSON.stringify({ error: { code, message } }), { status, headers: { 'content-type': 'application/json' } });
}

/** The action id in an adapter's "waiting for a person in Airlock (action …)" note. */
export function actionIdIn(note: string): string {
  const id = /action ([^\s)]+)\)/.exec(note)?.[1];
  if (!id) throw new Error(`no action id in "${note}"`);
  return id;
}
