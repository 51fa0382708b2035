import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError } from './errors.js';
import { queryParams, readQuery } from './request.js';
import { ApprovalListQuery, OutcomeQuery } from './schemas.js';

const at = (query: string) => new Request(`http://airlock.test/api/v1/x${query}`);

/** The ApiError a call throws (fails the test when it throws none or another). */
function refusal(call: () => unknown): ApiError {
  try {
    call();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected a refusal, got none');
}

describe('a query parameter given more than once is a 400 naming it, never read as one of its values', () => {
  it('?status=closed&status=open is refused, not read as open', () => {
    const error = refusal(() => readQuery(at('?status=closed&status=open'), ApprovalListQuery));
    expect(error).toMatchObject({ status: 400, code: 'invalid_request', issues: [{ path: 'status', message: expect.stringMatching(/more than once/) }] });
    expect(error.message).toBe('invalid query: "status": given more than once; each parameter is taken once');
  });

  it('?waitMs=0&waitMs=30000 is refused, not read as a 30 s wait; an empty repeat too', () => {
    expect(refusal(() => readQuery(at('?waitMs=0&waitMs=30000'), OutcomeQuery)).issues).toEqual([{ path: 'waitMs', message: expect.any(String) }]);
    expect(refusal(() => readQuery(at('?waitMs=100&waitMs='), OutcomeQuery)).status).toBe(400);
  });

  it('names each repeated parameter once, and the raw reader (the delivery log’s) refuses the same', () => {
    const error = refusal(() => queryParams(at('?a=1&b=2&a=3&b=4&b=5&c=6')));
    expect(error.issues?.map((issue) => issue.path)).toEqual(['a', 'b']);
    expect(error.message).toMatch(/^invalid query: "a", "b": given more than once/);
    // A parameter with no name is the query itself, as an unknown one is named (describeZodIssues).
    expect(refusal(() => queryParams(at('?=0&=0'))).issues).toEqual([{ path: '(root)', message: expect.any(String) }]);
  });

  it('reads each parameter given once as before, a name like __proto__ as a plain parameter', () => {
    expect(readQuery(at('?waitMs=250'), OutcomeQuery)).toEqual({ waitMs: 250 });
    expect(queryParams(at('?status=open&limit=5'))).toEqual({ status: 'open', limit: '5' });
    const odd = queryParams(at('?__proto__=x'));
    expect(Object.getPrototypeOf(odd)).toBe(Object.prototype);
    expect(Object.keys(odd)).toEqual(['__proto__']);
    expect(readQuery(at(''), z.object({ n: z.coerce.number().default(1) }))).toEqual({ n: 1 });
  });
});
