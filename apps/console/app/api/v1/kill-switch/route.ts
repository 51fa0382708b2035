import { deleteKillSwitch } from '../../../../src/api/handlers/delete-kill-switch.js';
import { getKillSwitches } from '../../../../src/api/handlers/list-kill-switches.js';
import { postKillSwitch } from '../../../../src/api/handlers/post-kill-switch.js';
import { methodsNotAllowed, nextRoute } from '../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getKillSwitches);
export const POST = nextRoute(postKillSwitch);
export const DELETE = nextRoute(deleteKillSwitch);
export const { PUT, PATCH, OPTIONS } = methodsNotAllowed({ GET, POST, DELETE });
