import { describe, expect, it } from 'vitest';
import { openApiDocument } from './openapi.js';

// A handler that waits on Temporal answers 503 `unavailable` when it does not answer (errors.ts: a ServiceError),
// and the long polls' reads of a workflow with no worker end in one too: a client must be told to ask again.
describe('the routes that wait on Temporal document its 503', () => {
  const waits = [
    ['/api/v1/actions/{id}/outcome', 'get'],
    ['/api/v1/actions/{id}/authorization', 'get'],
    ['/api/v1/actions/{id}/status', 'get'],
  ] as const;

  it.each(waits)('%s documents 503 and 401 (a key revoked during the wait)', (path, method) => {
    const responses = (openApiDocument().paths?.[path]?.[method] as { responses?: Record<string, unknown> } | undefined)?.responses ?? {};
    expect(Object.keys(responses)).toEqual(expect.arrayContaining(['401', '503']));
    expect(responses['503']).toMatchObject({ content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
  });
});
