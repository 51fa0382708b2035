import { deleteSlackLink } from '../../../../../src/api/handlers/management/slack-links.js';
import { methodsNotAllowed, nextRouteWithId } from '../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const DELETE = nextRouteWithId(deleteSlackLink);
export const { GET, POST, PUT, PATCH, OPTIONS } = methodsNotAllowed({ DELETE });
