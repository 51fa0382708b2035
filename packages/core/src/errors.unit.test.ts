import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import { describeZodIssues, formatZodError } from './errors.js';

const Request = z.strictObject({ tool: z.string(), args: z.strictObject({ amount: z.number() }) });

afterEach(() => {
  z.config(z.locales.en());
});

describe('zod issues as the API and the CLI name them', () => {
  it('names each field the schema does not know by its own path', () => {
    const parsed = Request.safeParse({ tool: 't', foo: 1, bar: 2, args: { amount: 1, x: 2 } });
    const issues = parsed.success ? [] : describeZodIssues(parsed.error);
    expect(issues.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'args.x', message: 'Unrecognized key: "x"' },
      { path: 'bar', message: 'Unrecognized key: "bar"' },
      { path: 'foo', message: 'Unrecognized key: "foo"' },
    ]);
  });

  it("keeps a schema's own message for an unknown key", () => {
    const NoAgent = z.strictObject({ tool: z.string() }, { error: (issue) => (issue.code === 'unrecognized_keys' ? 'agentId is not accepted' : undefined) });
    const parsed = NoAgent.safeParse({ tool: 't', agentId: 'a' });
    expect(parsed.success ? [] : describeZodIssues(parsed.error)).toEqual([{ path: 'agentId', message: 'agentId is not accepted' }]);
  });

  it('says a missing field is required, under the root it is given', () => {
    const parsed = Request.safeParse({ args: {} });
    expect(parsed.success ? '' : formatZodError(parsed.error, 'body')).toBe('body.tool: required: expected string; body.args.amount: required: expected number');
  });

  it('leaves a wrong value and the whole input as zod says them', () => {
    const parsed = Request.safeParse({ tool: 3, args: { amount: 'x' } });
    expect(parsed.success ? [] : describeZodIssues(parsed.error)).toEqual([
      { path: 'tool', message: 'Invalid input: expected string, received number' },
      { path: 'args.amount', message: 'Invalid input: expected number, received string' },
    ]);
    const whole = Request.safeParse(null);
    expect(whole.success ? [] : describeZodIssues(whole.error)).toEqual([{ path: '(root)', message: 'Invalid input: expected object, received null' }]);
  });

  it('words unknown and missing fields from the issue, not from zod’s text: another wording of zod’s changes nothing', () => {
    // As a zod release that rewords its messages would: the issues are the same, their text is not.
    z.config(z.locales.fr());
    const parsed = Request.safeParse({ foo: 1, args: { x: 2 } });
    expect(parsed.success ? [] : describeZodIssues(parsed.error).sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'args.amount', message: 'required: expected number' },
      { path: 'args.x', message: 'Unrecognized key: "x"' },
      { path: 'foo', message: 'Unrecognized key: "foo"' },
      { path: 'tool', message: 'required: expected string' },
    ]);
    // Reported input (`reportInput`) says the field is missing just as well.
    const reported = Request.safeParse({ args: { amount: 1 } }, { reportInput: true });
    expect(reported.success ? [] : describeZodIssues(reported.error)).toEqual([{ path: 'tool', message: 'required: expected string' }]);
  });

  it("keeps a schema's own message for a missing field", () => {
    const Named = z.object({ name: z.string({ error: 'a name is needed' }) });
    const parsed = Named.safeParse({});
    expect(parsed.success ? [] : describeZodIssues(parsed.error)).toEqual([{ path: 'name', message: 'a name is needed' }]);
  });
});
