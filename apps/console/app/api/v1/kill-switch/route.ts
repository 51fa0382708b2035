import { deleteKillSwitch } from '../../../../src/server/handlers/delete-kill-switch.js';
import { getKillSwitches } from '../../../../src/server/handlers/list-kill-switches.js';
import { postKillSwitch } from '../../../../src/server/handlers/post-kill-switch.js';
import { nextRoute } from '../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getKillSwitches);
export const POST = nextRoute(postKillSwitch);
export const DELETE = nextRoute(deleteKillSwitch);
