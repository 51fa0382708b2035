import { unknownEndpoint } from '../../../../src/api/handlers/not-found.js';

// Every other path under /api/v1 answers in the API's JSON error shape.
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = unknownEndpoint;
export const POST = unknownEndpoint;
export const PUT = unknownEndpoint;
export const PATCH = unknownEndpoint;
export const DELETE = unknownEndpoint;
