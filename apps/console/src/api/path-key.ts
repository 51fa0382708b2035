import { ApiError } from './errors.js';

/**
 * The body a use case gets, with what the path names under `key` (`PATCH /agents/{id}`: `id`). A body
 * member of that name is refused (400 naming it), never overwritten: `{"id": "other"}` sent to rename
 * one agent must not read as accepted, and the answer must not be about another record than asked.
 */
export function withPathKey(body: Record<string, unknown>, key: string, value: string): Record<string, unknown> {
  if (Object.hasOwn(body, key)) {
    const message = `comes from the path (${JSON.stringify(value)}); leave it out of the body`;
    throw new ApiError(400, 'invalid_request', `invalid request body: ${key}: ${message}`, [{ path: key, message }]);
  }
  return { ...body, [key]: value };
}
