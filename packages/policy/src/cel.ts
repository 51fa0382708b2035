import { Environment } from '@marcbachmann/cel-js';
import { toCents } from '@airlock/core';

/**
 * The one CEL environment every policy expression is compiled in: the variables a
 * rule may read, and `cents(string)` for exact money comparisons (no floats).
 */
export function createPolicyEnvironment(): Environment {
  return new Environment({ limits: { maxAstNodes: 2_000, maxDepth: 50, maxListElements: 1_000, maxMapEntries: 1_000, maxCallArguments: 16 } })
    .registerVariable('tool', 'string')
    .registerVariable('args', 'map')
    .registerVariable('agent', 'map')
    .registerVariable('rationale', 'string')
    .registerVariable('result', 'map')
    .registerFunction('cents(string): int', (amount: string) => {
      // No sign: every amount Airlock knows (MoneyAmount) is unsigned, and a rule or a standing approval
      // reads `cents(args.amount) <= 5000` as "a small amount". With a sign, "-100000.00" was -10000000
      // cents, which passed every "at most" test: a gate-only action's arguments (no tool schema) were
      // auto-allowed, and matched a standing approval's `at_most`. Not a decimal amount: an error, so a
      // restrictive rule fails closed, an allow rule or a grant does not match.
      if (!/^\d+(\.\d{1,2})?$/.test(amount)) throw new Error(`cents(): "${amount}" is not an unsigned decimal amount`);
      return toCents(amount);
    });
}

/** What an expression sees. */
export interface PolicyContext {
  tool: string;
  args: Record<string, unknown>;
  agent: { id: string; team: string; owner: string | null };
  rationale: string;
  result: Record<string, unknown>;
}
