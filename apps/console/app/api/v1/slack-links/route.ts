import { getSlackLinks, postSlackLink } from '../../../../src/server/handlers/management/slack-links.js';
import { nextRoute } from '../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getSlackLinks);
export const POST = nextRoute(postSlackLink);
