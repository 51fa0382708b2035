import { revokeKey, rotateKey, runUseCase } from '@airlock/ops';
import { operatorRoute } from '../../operator-route.js';
import { withPathKey } from '../../path-key.js';
import { toKeyView, toMintedKeyView } from '../../views.js';

/** POST /api/v1/keys/:id/rotate (admin): revokes the key and mints its replacement in one step; the new secret is shown once. */
export const postKeyRotation = operatorRoute<{ id: string }>(
  'management/keys#postKeyRotation',
  async (ctx, operator, body, { id }) => toMintedKeyView(await runUseCase(ctx, operator, rotateKey, withPathKey(body, 'id', id))),
  {
    status: 201,
  },
);

/** POST /api/v1/keys/:id/revoke (admin): refused from the next request on; a repeat changes nothing. */
export const postKeyRevocation = operatorRoute<{ id: string }>(
  'management/keys#postKeyRevocation',
  async (ctx, operator, _body, { id }) => {
    const { key, changed } = await runUseCase(ctx, operator, revokeKey, { id });
    return { key: toKeyView(key), changed };
  },
  { body: false },
);
