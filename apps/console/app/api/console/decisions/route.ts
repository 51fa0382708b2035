import { postConsoleDecision } from '../../../../src/console/decision-route.js';

export const POST = postConsoleDecision;
