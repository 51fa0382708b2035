import { postDecision, type ApiContext } from '@airlock/console';
import { expectOk, THIS_TREE, type ChannelVariant, type DecisionChannel } from './channel.js';

/** The approver's POST: bearer key, JSON approval bound to the arguments' hash. */
const approveInit = (apiKey: string, argsHash: string): RequestInit => ({
  method: 'POST',
  headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
  body: JSON.stringify({ decision: 'approve', argsHash }),
});

/**
 * POST /api/v1/actions/:id/decisions, the route's handler called with a web
 * Request as Next.js passes it (as the API tests do): everything but the HTTP server.
 */
export function restHandlerChannel(ctx: ApiContext, apiKey: string): DecisionChannel {
  return {
    key: 'restHandler',
    label: 'REST handler (POST /decisions, in process)',
    short: 'REST handler',
    prepare:
      async ({ actionId, argsHash }) =>
      async () => {
        const request = new Request(`http://airlock.bench/api/v1/actions/${actionId}/decisions`, approveInit(apiKey, argsHash));
        await expectOk(await postDecision(request, ctx, { id: actionId }), 'REST handler');
      },
  };
}

/** The same route over HTTP, served by the built console (`next start`). */
export function restHttpChannel(consoleUrl: string, apiKey: string, variant: ChannelVariant = THIS_TREE): DecisionChannel {
  return {
    key: `restHttp${variant.key}`,
    label: `REST over HTTP (next start)${variant.label}`,
    short: `REST over HTTP${variant.label}`,
    ...(variant.baseline ? { baseline: true } : {}),
    prepare:
      async ({ actionId, argsHash }) =>
      async () => {
        const response = await fetch(`${consoleUrl}/api/v1/actions/${actionId}/decisions`, approveInit(apiKey, argsHash));
        await expectOk(response, 'REST over HTTP');
      },
  };
}
