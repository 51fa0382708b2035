import { checkApprovals } from './approvals.js';
import { checkAudit } from './audit.js';
import { checkBudgets } from './budgets.js';
import { checkClassification } from './classification.js';
import type { Facts } from './facts.js';
import { checkTerminalStates } from './terminal.js';
import { checkToolRuns } from './tool-runs.js';
import type { Check, Violation } from './violation.js';

export const INVARIANT_CHECKS: readonly Check[] = [checkTerminalStates, checkToolRuns, checkApprovals, checkClassification, checkBudgets, checkAudit];

export function checkInvariants(facts: Facts): Violation[] {
  return INVARIANT_CHECKS.flatMap((check) => check(facts));
}

export { gatherFacts, type Facts } from './facts.js';
export type { Violation } from './violation.js';
