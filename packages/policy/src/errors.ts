/** A policy that cannot be loaded, located as precisely as possible: file, rule, position. */
export class PolicyError extends Error {
  override name = 'PolicyError';
  constructor(
    public readonly source: string,
    public readonly problems: PolicyProblem[],
  ) {
    super(`${source}: ${problems.map(formatProblem).join('; ')}`);
  }
}

export interface PolicyProblem {
  /** e.g. `rules[2].when` or `rateLimits[0].window` */
  path: string;
  ruleId?: string;
  /** 1-based line/column in the file, or column within a CEL expression. */
  line?: number;
  column?: number;
  message: string;
}

export function formatProblem(p: PolicyProblem): string {
  const where = [p.path, p.ruleId ? `(rule "${p.ruleId}")` : undefined, p.line ? `line ${p.line}` : undefined, p.column ? `column ${p.column}` : undefined]
    .filter(Boolean)
    .join(' ');
  return `${where}: ${p.message}`;
}
