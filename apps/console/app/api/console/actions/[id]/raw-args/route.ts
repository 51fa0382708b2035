import { postConsoleRawArgs } from '../../../../../../src/ui/actions/raw-args-route.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = postConsoleRawArgs;
