// JSON paths as people read them in an approval card: `args.note`, `args.items[2].memo`, `args["first name"]`.

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const identifier = IDENTIFIER.test(key);
  if (parent === '') return identifier ? key : JSON.stringify(key);
  return identifier ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/** Plain data objects (JSON-like); class instances such as Date or Map are left alone. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export interface VisitedText {
  path: string;
  text: string;
  /** The text is an object key rather than a value. */
  isKey: boolean;
}

type WalkStep = { kind: 'visit'; value: unknown; path: string } | { kind: 'key'; path: string; text: string } | { kind: 'leave'; value: object };

/**
 * Every string in `value` (and, with `keys`, every object key), depth first, with its path.
 * Cycles are cut: an object already on the current path is not entered again.
 * Iterative (an explicit stack): arguments nested thousands of levels deep must not overflow the call stack.
 */
export function* walkStrings(value: unknown, root: string, options: { keys?: boolean } = {}): Generator<VisitedText> {
  const keys = options.keys ?? false;
  const ancestors = new Set<object>();
  const stack: WalkStep[] = [{ kind: 'visit', value, path: root }];
  for (let step = stack.pop(); step !== undefined; step = stack.pop()) {
    if (step.kind === 'leave') {
      ancestors.delete(step.value);
      continue;
    }
    if (step.kind === 'key') {
      yield { path: step.path, text: step.text, isKey: true };
      continue;
    }
    const node = step.value;
    if (typeof node === 'string') {
      yield { path: step.path, text: node, isKey: false };
      continue;
    }
    if (!Array.isArray(node) && !isPlainObject(node)) continue;
    if (ancestors.has(node)) continue;
    ancestors.add(node);
    stack.push({ kind: 'leave', value: node });
    // Pushed in reverse, so they come off the stack in document order.
    const entries: [string | number, unknown][] = Array.isArray(node) ? [...node.entries()] : Object.entries(node);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, item] = entries[i]!;
      const itemPath = childPath(step.path, key);
      stack.push({ kind: 'visit', value: item, path: itemPath });
      if (keys && typeof key === 'string') stack.push({ kind: 'key', path: itemPath, text: key });
    }
  }
}
