import { describe, expect, it } from 'vitest';
import { ApiError } from './errors.js';
import { checkToolArgs } from './tool-args.js';

/** The 400 checkToolArgs throws, or undefined when the arguments pass. */
function refusal(tool: string, args: Record<string, unknown>): ApiError | undefined {
  try {
    checkToolArgs(tool, args);
    return undefined;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
}

const plan = (steps: unknown) => refusal('airlock.plan', { steps });

describe('checkToolArgs', () => {
  it('refuses a known tool’s bad arguments naming the field, and lets unknown tools through', () => {
    expect(refusal('demo.echo', { message: 1 })?.issues).toEqual([{ path: 'args.message', message: expect.any(String) }]);
    expect(refusal('demo.echo', { message: 'hi' })).toBeUndefined();
    expect(refusal('crm.update', { anything: true })).toBeUndefined();
  });

  it('refuses a malformed plan with 400 naming the path: no steps, a step without args, an unknown member', () => {
    const empty = plan([]);
    expect(empty).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(empty?.issues).toEqual([{ path: 'args.steps', message: expect.any(String) }]);
    expect(plan([{ tool: 'demo.echo' }])?.issues).toEqual([{ path: 'args.steps.0.args', message: expect.stringMatching(/^required/) }]);
    expect(plan([{ tool: 'demo.echo', args: { message: 'a' }, x: 1 }])?.issues).toEqual([{ path: 'args.steps.0.x', message: expect.any(String) }]);
    expect(refusal('airlock.plan', {})?.issues).toEqual([{ path: 'args.steps', message: expect.stringMatching(/^required/) }]);
  });

  it('checks each step’s args against its tool: args.steps.1.args.message', () => {
    const error = plan([
      { tool: 'demo.echo', args: { message: 'a' } },
      { tool: 'demo.echo', args: { message: 1 } },
    ]);
    expect(error).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(error?.message).toMatch(/step 2 \(demo\.echo\)/);
    expect(error?.issues).toEqual([{ path: 'args.steps.1.args.message', message: expect.any(String) }]);
  });

  it('accepts a well-formed plan, including steps whose tool the console does not know', () => {
    expect(
      plan([
        { tool: 'demo.echo', args: { message: 'a' }, description: 'say a' },
        { tool: 'crm.update', args: { id: 1 } },
      ]),
    ).toBeUndefined();
  });
});
