/** One changed leaf between the requested and the edited arguments, by JSON path. */
export interface ArgChange {
  path: string;
  before?: string;
  after?: string;
}

/** Leaf-level differences, so an approver sees exactly which fields an edit changes. */
export function diffArgs(before: unknown, after: unknown): ArgChange[] {
  const a = flatten(before);
  const b = flatten(after);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths.filter((p) => a.get(p) !== b.get(p)).map((path) => ({ path, before: a.get(path), after: b.get(path) }));
}

function flatten(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    if (entries.length === 0) out.set(prefix || '(root)', JSON.stringify(value));
    for (const [key, child] of entries) flatten(child, prefix ? `${prefix}.${key}` : key, out);
  } else {
    out.set(prefix || '(root)', JSON.stringify(value));
  }
  return out;
}
