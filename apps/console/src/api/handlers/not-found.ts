import { ApiError, withErrors } from '../errors.js';

/** Any other path under /api/v1: a JSON 404 rather than the HTML page. */
export const unknownEndpoint = withErrors(async (request: Request): Promise<Response> => {
  throw new ApiError(404, 'not_found', `no endpoint ${request.method} ${new URL(request.url).pathname}; see /api/v1/openapi.json`);
});
