import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { fromZodError } from './errors.js';

// Operators read these messages in the CLI, the console and REST answers: a value outside a fixed
// set says what the field accepts, never zod's `Invalid option: expected one of "day"|"month"`.

function refusal(schema: z.ZodType, raw: unknown, reportInput = true) {
  const parsed = schema.safeParse(raw, { reportInput });
  if (parsed.success) throw new Error('expected a refusal');
  return fromZodError(parsed.error);
}

describe('fromZodError', () => {
  const Budget = z.strictObject({ period: z.enum(['day', 'month']), events: z.array(z.enum(['action.executed', 'action.failed'])) });

  it('says what an enum field accepts and what came instead, naming the field', () => {
    const error = refusal(Budget, { period: 'year', events: ['action.executed', 'action.exploded'] });
    expect(error.issues).toEqual([
      { path: 'period', message: 'must be one of day, month (got "year")' },
      { path: 'events.1', message: 'must be one of action.executed, action.failed (got "action.exploded")' },
    ]);
    expect(error.message).toBe('period: must be one of day, month (got "year"); events.1: must be one of action.executed, action.failed (got "action.exploded")');
  });

  it('without the input reported, still says what the field accepts; a long value is cut short', () => {
    expect(refusal(Budget, { period: 'year', events: [] }, false).issues).toEqual([{ path: 'period', message: 'must be one of day, month' }]);
    expect(refusal(Budget, { period: 7, events: [] }).issues).toEqual([{ path: 'period', message: 'must be one of day, month (got 7)' }]);
    expect(refusal(Budget, { period: { day: 1 }, events: [] }).issues).toEqual([{ path: 'period', message: 'must be one of day, month (got an object)' }]);
    expect(refusal(Budget, { period: 'x'.repeat(100), events: [] }).issues[0]?.message).toBe(`must be one of day, month (got "${'x'.repeat(39)}…)`);
  });

  it('keeps a schema’s own message and every other issue as they were', () => {
    const Own = z.strictObject({ period: z.enum(['day', 'month'], { error: 'day or month, in UTC' }), name: z.string() });
    expect(refusal(Own, { period: 'year', name: 1 }).issues).toEqual([
      { path: 'period', message: 'day or month, in UTC' },
      { path: 'name', message: 'Invalid input: expected string, received number' },
    ]);
  });

  it('says a bound or a kind of number in plain words, not zod’s `Too small: expected number to be >=1`', () => {
    const Step = z.strictObject({
      step: z.number().int().min(1),
      comment: z.string().max(5).optional(),
      name: z.string().min(1).optional(),
      tags: z.array(z.string()).max(2).optional(),
      share: z.number().gt(0).optional(),
    });
    expect(refusal(Step, { step: Number('x') }).issues).toEqual([{ path: 'step', message: 'must be a number' }]);
    expect(refusal(Step, { step: 1.5 }).issues).toEqual([{ path: 'step', message: 'must be a whole number' }]);
    expect(refusal(Step, { step: 0, comment: 'too long', name: '', tags: ['a', 'b', 'c'], share: 0 }).issues).toEqual([
      { path: 'step', message: 'must be at least 1' },
      { path: 'comment', message: 'must be at most 5 characters long' },
      { path: 'name', message: 'must not be empty' },
      { path: 'tags', message: 'must have at most 2 items' },
      { path: 'share', message: 'must be more than 0' },
    ]);
    // Missing is still `required`, as every channel says it.
    expect(refusal(Step, {}).issues).toEqual([{ path: 'step', message: 'required: expected number' }]);
  });
});
