import { DecisionKind } from '@airlock/core';
import { z } from 'zod';
import { ActionId, DecisionBody } from '../../api/schemas.js';

// Empty text fields arrive as ''; they mean "not given".
const optionalText = (schema: z.ZodOptional<z.ZodString>) => z.preprocess((v) => (v === '' ? undefined : v), schema);

/** The console's decision form, checked with the same field rules as the API's body. */
export const ConsoleDecisionForm = z.object({
  actionId: ActionId,
  argsHash: DecisionBody.shape.argsHash,
  decision: DecisionKind,
  comment: optionalText(DecisionBody.shape.comment),
  feedback: optionalText(DecisionBody.shape.feedback),
  /** Approve with edits: the edited arguments as JSON text. */
  editedArgs: optionalText(z.string().max(100_000).optional()),
});
