import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { openApiDocument } from '../openapi.js';

/** GET /api/v1/openapi.json: public, so clients in any language can generate from it. */
export const getOpenApi = withErrors(async (): Promise<Response> => jsonResponse(openApiDocument()));
