import { liveEvents } from '../../../../src/ui/live/events.js';

export const dynamic = 'force-dynamic';

export const GET = liveEvents;
