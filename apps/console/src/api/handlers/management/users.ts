import { changeRole, disableUser, listKeys, listUsers, mintKey, runUseCase } from '@airlock/ops';
import { createUser } from '@airlock/ops/accounts';
import { operatorRoute } from '../../operator-route.js';
import { withPathKey } from '../../path-key.js';
import { toKeyView, toMintedKeyView, toUserView } from '../../views.js';

/** GET /api/v1/users (admin). */
export const getUsers = operatorRoute('management/users#getUsers', async (ctx) => ({ users: (await listUsers(ctx.db)).map(toUserView) }), { body: false });

/** POST /api/v1/users (admin): a console user with a one-time password, shown once. */
export const postUser = operatorRoute(
  'management/users#postUser',
  async (ctx, operator, body) => {
    const issued = await createUser(ctx, operator, body);
    return { user: issued.user, oneTimePassword: issued.oneTimePassword };
  },
  { status: 201 },
);

/** PATCH /api/v1/users/:id (admin): changes the role. */
export const patchUser = operatorRoute<{ id: string }>('management/users#patchUser', async (ctx, operator, body, { id }) =>
  toUserView(await runUseCase(ctx, operator, changeRole, withPathKey(body, 'id', id))),
);

/** POST /api/v1/users/:id/disable (admin): their keys are revoked and their sessions end. */
export const postUserDisable = operatorRoute<{ id: string }>('management/users#postUserDisable', (ctx, operator, body, { id }) =>
  runUseCase(ctx, operator, disableUser, withPathKey(body, 'id', id)),
);

/** GET /api/v1/users/:id/keys (admin). */
export const getUserKeys = operatorRoute<{ id: string }>(
  'management/users#getUserKeys',
  async (ctx, _operator, _body, { id }) => ({ keys: (await listKeys(ctx.db, { userId: id })).map(toKeyView) }),
  {
    body: false,
  },
);

/** POST /api/v1/users/:id/keys (admin): a user API key; the secret is in this answer only. */
export const postUserKey = operatorRoute<{ id: string }>(
  'management/users#postUserKey',
  async (ctx, operator, body, { id }) => toMintedKeyView(await runUseCase(ctx, operator, mintKey, withPathKey(body, 'userId', id))),
  { status: 201 },
);
