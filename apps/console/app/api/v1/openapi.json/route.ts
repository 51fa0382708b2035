import { getOpenApi } from '../../../../src/api/handlers/get-openapi.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = getOpenApi;
