import { z } from 'zod';
import { ActionId, DecisionBody } from '../../api/schemas.js';

// Empty text fields arrive as ''; they mean "not given".
const optionalText = (schema: z.ZodOptional<z.ZodString>) => z.preprocess((v) => (v === '' ? undefined : v), schema);

/**
 * The console's approve-and-remember form. Per argument, `bound:<arg>` is
 * `any`, `same` or `at_most` (with `cap:<arg>`); numbers arrive as text and the
 * use case checks them like the API's.
 */
export const ConsoleRememberForm = z.object({
  actionId: ActionId,
  argsHash: DecisionBody.shape.argsHash,
  comment: optionalText(DecisionBody.shape.comment),
  maxUses: z.coerce.number(),
  validForHours: z.coerce.number(),
  reason: optionalText(z.string().max(2000).optional()),
});

/** The bounds the approver chose, as the use case takes them; `any` adds none. */
export function boundsFromForm(fields: Record<string, unknown>): { arg: string; kind: string; value?: string }[] {
  const bounds: { arg: string; kind: string; value?: string }[] = [];
  for (const [name, kind] of Object.entries(fields)) {
    if (!name.startsWith('bound:') || typeof kind !== 'string' || kind === 'any') continue;
    const arg = name.slice('bound:'.length);
    const cap = fields[`cap:${arg}`];
    bounds.push(kind === 'at_most' ? { arg, kind, value: typeof cap === 'string' ? cap.trim() : '' } : { arg, kind });
  }
  return bounds;
}
