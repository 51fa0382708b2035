import type { CompensationResolution } from '@airlock/core';
// The rule of @airlock/core's storedText without zod (workflow code may not load it, see @airlock/core/workflow):
// a NUL PostgreSQL cannot store, a lone surrogate canonical JSON cannot hash.
import { storedTextProblem } from '@airlock/core/workflow';

/** At most this many characters in a resolution's comment: CompensationResolution's `storedText(2000)`. */
export const MAX_COMPENSATION_COMMENT = 2000;

/**
 * Why a resolution's input could never be recorded (the field, then the reason), or undefined. The
 * `resolveCompensation` validator refuses it before the update enters history: its audit write would
 * otherwise fail on every retry and hold the update, and the plan, for ever.
 */
export function compensationInputProblem(resolution: CompensationResolution): string | undefined {
  const { approverId, step, resolution: answer, comment } = resolution as Partial<Record<keyof CompensationResolution, unknown>>;
  if (typeof approverId !== 'string' || approverId === '') return 'approverId: required: a person';
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) return 'step: must be a step of the plan';
  if (answer !== 'retry' && answer !== 'resolved_manually') return 'resolution: must be one of retry, resolved_manually';
  if (comment === undefined) return undefined;
  if (typeof comment !== 'string') return 'comment: must be text';
  if (comment.length > MAX_COMPENSATION_COMMENT) return `comment: at most ${MAX_COMPENSATION_COMMENT} characters`;
  const problem = storedTextProblem(comment);
  return problem ? `comment: ${problem}` : undefined;
}
