import { getSlackLinks, postSlackLink } from '../../../../src/api/handlers/management/slack-links.js';
import { methodsNotAllowed, nextRoute } from '../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getSlackLinks);
export const POST = nextRoute(postSlackLink);
export const { PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed({ GET, POST });
