import { postConsoleDecision } from '../../../../src/ui/actions/decision-route.js';

export const POST = postConsoleDecision;
