import { Role } from '@airlock/core';
import { ChangeBudgetChanges, ChangeRoleInput, CreateAgentInput, DisableAgentInput, LinkSlackUserInput, ResolveCompensationInput, UpdateAgentChanges } from '@airlock/ops';
import { CreateUserInput } from '@airlock/ops/accounts';
import { z } from 'zod';

// Operator management (agents, keys, users, Slack links, budget changes): the
// use cases' own input schemas document the request bodies, so what OpenAPI says is what is checked.

const Timestamp = z.string().meta({ description: 'ISO 8601', example: '2026-12-03T10:00:00.000Z' });
/** A time the caller sends: ISO 8601 only (no "Dec 25 2030"), and one the calendar has (no February 30th). */
const TimeSent = z.string().meta({ description: 'ISO 8601, a time that exists (no February 30th)', example: '2027-01-31T00:00:00Z' });

export const CreateAgentBody = CreateAgentInput.meta({ id: 'CreateAgentBody', description: 'A new agent; it gets no tools unless listed, and no key until one is minted' });
// A body member naming what the path names (`id`, `agentId`, `userId`, `actionId`) is refused (400), never overwritten (path-key.ts).
export const UpdateAgentBody = UpdateAgentChanges.meta({
  id: 'UpdateAgentBody',
  description: 'Any of name, team, ownerId (null clears it), allowedTools; the id comes from the path (an `id` member is refused)',
});
export const DisableBody = DisableAgentInput.pick({ reason: true }).meta({ id: 'DisableBody', description: 'Why (kept in the audit log)' });
export const MintKeyBody = z
  .strictObject({
    name: z.string().meta({ description: 'To tell keys apart, e.g. "prod"' }).optional(),
    expiresAt: TimeSent.optional().meta({ description: 'When it stops working: ISO 8601, a time that exists, in the future' }),
  })
  .meta({ id: 'MintKeyBody' });
export const RotateKeyBody = z
  .strictObject({
    expiresAt: TimeSent.optional().meta({ description: 'When the replacement stops working: ISO 8601, a time that exists, in the future. Default: the old key’s expiry' }),
  })
  .meta({ id: 'RotateKeyBody' });
export const CreateUserBody = CreateUserInput.meta({ id: 'CreateUserBody' });
export const ChangeRoleBody = ChangeRoleInput.pick({ role: true }).meta({ id: 'ChangeRoleBody' });
export const SlackLinkBody = LinkSlackUserInput.meta({ id: 'SlackLinkBody' });
export const ChangeBudgetBody = ChangeBudgetChanges.meta({
  id: 'ChangeBudgetBody',
  description: 'A new limit, approval threshold (null removes it), or both; the id comes from the path (an `id` member is refused)',
});
export const CompensationResolutionBody = ResolveCompensationInput.omit({ actionId: true }).meta({ id: 'CompensationResolutionBody' });

export const KeyView = z
  .object({
    id: z.string(),
    prefix: z.string().meta({ description: 'The first characters of the secret, to recognise it' }),
    name: z.string(),
    agentId: z.string().nullable(),
    userId: z.string().nullable(),
    createdAt: Timestamp,
    expiresAt: Timestamp.nullable(),
    lastUsedAt: Timestamp.nullable().meta({ description: 'To the minute' }),
    revokedAt: Timestamp.nullable(),
  })
  .meta({ id: 'ApiKey' });
export type KeyView = z.infer<typeof KeyView>;
export const KeyList = z.object({ keys: z.array(KeyView) }).meta({ id: 'ApiKeyList' });
export const MintedKeyView = z
  .object({ key: KeyView, secret: z.string().meta({ description: 'The key itself (`alk_...`): shown in this answer only; Airlock keeps its hash' }) })
  .meta({ id: 'MintedKey' });
export type MintedKeyView = z.infer<typeof MintedKeyView>;
export const KeyRevocation = z.object({ key: KeyView, changed: z.boolean().meta({ description: 'false: it was revoked already' }) }).meta({ id: 'KeyRevocation' });

export const UserView = z
  .object({ id: z.string(), email: z.string(), name: z.string(), role: Role, groups: z.array(z.string()), createdAt: Timestamp, disabledAt: Timestamp.nullable() })
  .meta({ id: 'User' });
export type UserView = z.infer<typeof UserView>;
export const UserList = z.object({ users: z.array(UserView) }).meta({ id: 'UserList' });
export const CreatedUser = z
  .object({
    user: z.object({ id: z.string(), email: z.string(), name: z.string(), role: Role }),
    oneTimePassword: z.string().meta({ description: 'Shown in this answer only; they must choose their own at the first sign-in' }),
  })
  .meta({ id: 'CreatedUser' });
export const Disabled = z
  .object({ changed: z.boolean().meta({ description: 'false: it was disabled already' }), revokedKeys: z.number().int() })
  .catchall(z.unknown())
  .meta({ id: 'Disabled' });

export const SlackLinkView = z.object({ slackUserId: z.string(), userId: z.string(), createdBy: z.string(), createdAt: Timestamp }).meta({ id: 'SlackLink' });
export const SlackLinkList = z.object({ links: z.array(SlackLinkView) }).meta({ id: 'SlackLinkList' });
export const SlackUnlinked = z.object({ slackUserId: z.string(), userId: z.string() }).meta({ id: 'SlackUnlinked' });
export const BudgetDeleted = z.object({ budgetId: z.string() }).meta({ id: 'BudgetDeleted' });
export const CompensationAccepted = z.object({ accepted: z.literal(true) }).meta({ id: 'CompensationAccepted' });
