import { getOpenApi } from '../../../../src/api/handlers/get-openapi.js';
import { methodsNotAllowed } from '../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = getOpenApi;
export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed({ GET });
