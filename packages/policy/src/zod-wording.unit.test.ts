import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { plainZodIssue } from './zod-wording.js';

// The plain words come from the issue's structure, and zod's own message is told from a schema's
// by asking zod's error map: neither depends on how a zod release words its messages.

const Settings = z.strictObject({
  period: z.enum(['day', 'month']),
  apiVersion: z.literal('airlock/v1'),
  step: z.coerce.number().int().min(1),
  share: z.number().gt(0).max(1),
  name: z.string().min(1).max(5),
  tools: z.array(z.string()).min(1).max(2),
});

function messages(schema: z.ZodType, raw: unknown, reportInput = true): Record<string, string> {
  const parsed = schema.safeParse(raw, { reportInput });
  if (parsed.success) throw new Error('expected a refusal');
  return Object.fromEntries(parsed.error.issues.map((issue) => [issue.path.join('.'), plainZodIssue(issue).message]));
}

const bad = { period: 'week', apiVersion: 'airlock/v2', step: 'x', share: 0, name: '', tools: ['a', 'b', 'c'] };
const plain = {
  period: 'must be one of day, month (got "week")',
  apiVersion: 'must be "airlock/v1" (got "airlock/v2")',
  step: 'must be a number',
  share: 'must be more than 0',
  name: 'must not be empty',
  tools: 'must have at most 2 items',
};

afterEach(() => {
  z.config(z.locales.en());
});

describe('plainZodIssue', () => {
  it('says what each field accepts in plain words, from the issue’s code, values and bounds', () => {
    expect(messages(Settings, bad)).toEqual(plain);
    expect(messages(Settings, { ...bad, step: 1.5, share: 2, name: 'too long', tools: [] })).toMatchObject({
      step: 'must be a whole number',
      share: 'must be at most 1',
      name: 'must be at most 5 characters long',
      tools: 'must not be empty',
    });
    expect(messages(z.strictObject({ n: z.number() }), { n: Infinity })).toEqual({ n: 'must be a finite number' });
  });

  it('without the input reported, says the same but what came', () => {
    expect(messages(Settings, bad, false)).toEqual({ ...plain, period: 'must be one of day, month', apiVersion: 'must be "airlock/v1"' });
    expect(messages(Settings, { ...bad, step: '1.5' }, false)).toMatchObject({ step: 'must be a whole number' });
  });

  it('is the same when zod words its messages otherwise, as a new zod release may', () => {
    z.config(z.locales.fr());
    expect(messages(Settings, bad)).toEqual(plain);
  });

  it('keeps a schema’s own message, even one that reads like zod’s, and what it does not reword', () => {
    const Own = z.strictObject({
      period: z.enum(['day', 'month'], { error: 'day or month, in UTC' }),
      limit: z.number().min(1, { error: 'Too small: expected a limit of at least one call' }),
      name: z.string(),
      count: z.number(),
    });
    const expected = {
      period: 'day or month, in UTC',
      limit: 'Too small: expected a limit of at least one call',
      name: 'Invalid input: expected string, received number',
      count: 'Invalid input: expected number, received string',
    };
    expect(messages(Own, { period: 'week', limit: 0, name: 1, count: '1' })).toEqual(expected);
    z.config(z.locales.fr());
    expect(messages(Own, { period: 'week', limit: 0 })).toMatchObject({ period: expected.period, limit: expected.limit });
  });
});
