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
      if (!/^-?\d+(\.\d{1,2})?$/.test(amount)) throw new Error(`cents(): "${amount}" is not a decimal amount`);
      return amount.startsWith('-') ? -toCents(amount.slice(1)) : toCents(amount);
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
