// JSON paths as people read them in an approval card: `args.note`, `args.items[2].memo`, `args["first name"]`.

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const step = IDENTIFIER.test(key) ? key : JSON.stringify(key);
  if (parent === '') return step;
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${step}]`;
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

/**
 * Every string in `value` (and, with `keys`, every object key), depth first, with its path.
 * Cycles are cut: an object already on the current path is not entered again.
 */
export function* walkStrings(value: unknown, root: string, options: { keys?: boolean } = {}): Generator<VisitedText> {
  yield* walk(value, root, options.keys ?? false, new Set());
}

function* walk(value: unknown, path: string, keys: boolean, ancestors: Set<object>): Generator<VisitedText> {
  if (typeof value === 'string') {
    yield { path, text: value, isKey: false };
    return;
  }
  if (!Array.isArray(value) && !isPlainObject(value)) return;
  if (ancestors.has(value)) return;
  ancestors.add(value);
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* walk(item, childPath(path, index), keys, ancestors);
  } else {
    for (const [key, item] of Object.entries(value)) {
      const itemPath = childPath(path, key);
      if (keys) yield { path: itemPath, text: key, isKey: true };
      yield* walk(item, itemPath, keys, ancestors);
    }
  }
  ancestors.delete(value);
}
