import { deleteSlackLink } from '../../../../../src/server/handlers/management/slack-links.js';
import { nextRouteWithId } from '../../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const DELETE = nextRouteWithId(deleteSlackLink);
