import { getSystemErrorMap } from 'node:util';

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

/** The policy file could not be read at all (missing, a directory, no permission): nothing in it to locate. */
export class PolicyFileUnreadableError extends PolicyError {
  override name = 'PolicyFileUnreadableError';
  constructor(
    source: string,
    /** What the system said, without the path it repeats: `no such file or directory`. */
    public readonly reason: string,
  ) {
    super(source, [{ path: '(file)', message: `cannot be read: ${reason}` }]);
  }
}

/**
 * A file-system error as a reason, from its code: ENOENT is `no such file or directory`, EACCES
 * `permission denied` (libuv's wording, the one in Node's own messages), never Node's whole
 * `ENOENT: no such file or directory, open '/x'` line, which repeats the path the caller names.
 * An error without a system code is its message.
 */
export function fileErrorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = typeof code === 'string' ? systemErrorWording().get(code) : undefined;
  return reason ?? (error instanceof Error ? error.message : String(error));
}

let wordingByCode: Map<string, string> | undefined;

/** libuv's wording of each system error by its code (`EROFS` → `read-only file system`), read once. */
function systemErrorWording(): Map<string, string> {
  wordingByCode ??= new Map([...getSystemErrorMap().values()]);
  return wordingByCode;
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
