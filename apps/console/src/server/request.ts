import { describeZodIssues, formatZodError } from '@airlock/core';
import type { z } from 'zod';
import { ApiError } from './errors.js';

/** Validates `value`, or throws a 400 naming every bad field (`args.amount: ...`). */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, what: string, root?: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ApiError(400, 'invalid_request', `invalid ${what}: ${formatZodError(result.error, root)}`, describeZodIssues(result.error, root));
}

/** A well-formed body whose field names something that does not exist or cannot be used: a 400 naming the field. */
export function invalidField(path: string, message: string): ApiError {
  return new ApiError(400, 'invalid_request', `invalid request body: ${path}: ${message}`, [{ path, message }]);
}

/** Reads a JSON body; malformed JSON is its own 400, distinct from a well-formed body with bad fields. */
export async function readJsonBody<S extends z.ZodType>(request: Request, schema: S): Promise<z.infer<S>> {
  const text = await request.text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof SyntaxError ? error.message : 'unparseable';
    throw new ApiError(400, 'invalid_json', `the request body is not valid JSON (${detail})`);
  }
  return parseOr400(schema, value, 'request body');
}

export function readQuery<S extends z.ZodType>(request: Request, schema: S): z.infer<S> {
  const params = Object.fromEntries(new URL(request.url).searchParams);
  return parseOr400(schema, params, 'query');
}
