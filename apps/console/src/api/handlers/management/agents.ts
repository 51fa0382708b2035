import { listSuspensions } from '@airlock/db';
import { createAgent, disableAgent, listKeys, mintKey, runUseCase, updateAgent, type AgentRecord } from '@airlock/ops';
import { operatorRoute } from '../../operator-route.js';
import { withPathKey } from '../../path-key.js';
import { suspensionFor } from '../../suspensions.js';
import { toAgentView, toKeyView, toMintedKeyView } from '../../views.js';
import type { ApiContext } from '../../context.js';

async function agentView(ctx: ApiContext, agent: AgentRecord) {
  return toAgentView(agent, suspensionFor(await listSuspensions(ctx.db, { activeOnly: true }), agent));
}

/** POST /api/v1/agents (admin): a new agent, with no key yet. */
export const postAgent = operatorRoute('management/agents#postAgent', async (ctx, operator, body) => agentView(ctx, await runUseCase(ctx, operator, createAgent, body)), {
  status: 201,
});

/** PATCH /api/v1/agents/:id (admin): name, team, owner (null clears it), allowed tools. */
export const patchAgent = operatorRoute<{ id: string }>('management/agents#patchAgent', async (ctx, operator, body, { id }) =>
  agentView(ctx, await runUseCase(ctx, operator, updateAgent, withPathKey(body, 'id', id))),
);

/** POST /api/v1/agents/:id/disable (admin): admission refuses it and its keys are revoked, at once. */
export const postAgentDisable = operatorRoute<{ id: string }>('management/agents#postAgentDisable', (ctx, operator, body, { id }) =>
  runUseCase(ctx, operator, disableAgent, withPathKey(body, 'id', id)),
);

/** GET /api/v1/agents/:id/keys (admin): the agent's keys, never their secrets. */
export const getAgentKeys = operatorRoute<{ id: string }>(
  'management/agents#getAgentKeys',
  async (ctx, _operator, _body, { id }) => ({ keys: (await listKeys(ctx.db, { agentId: id })).map(toKeyView) }),
  {
    body: false,
  },
);

/** POST /api/v1/agents/:id/keys (admin): mints a key; the secret is in this answer only. */
export const postAgentKey = operatorRoute<{ id: string }>(
  'management/agents#postAgentKey',
  async (ctx, operator, body, { id }) => toMintedKeyView(await runUseCase(ctx, operator, mintKey, withPathKey(body, 'agentId', id))),
  { status: 201 },
);
