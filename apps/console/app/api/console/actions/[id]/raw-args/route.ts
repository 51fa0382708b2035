import { postConsoleRawArgs } from '../../../../../../src/console/raw-args-route.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = postConsoleRawArgs;
