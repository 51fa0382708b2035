import { liveEvents } from '../../../../src/console/live-events.js';

export const dynamic = 'force-dynamic';

export const GET = liveEvents;
