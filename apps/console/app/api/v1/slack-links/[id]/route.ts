import { deleteSlackLink } from '../../../../../src/api/handlers/management/slack-links.js';
import { nextRouteWithId } from '../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const DELETE = nextRouteWithId(deleteSlackLink);
