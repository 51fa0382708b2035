import { postCompensationResolution } from '../../../../../../src/server/handlers/management/compensations.js';
import { nextRouteWithId } from '../../../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = nextRouteWithId(postCompensationResolution);
