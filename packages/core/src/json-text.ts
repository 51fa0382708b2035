/**
 * Writing any value a tool returns as JSON text, and taking the part of it that is kept. Pure (no Node built-ins), like
 * report-storage.ts, which uses it inside the workflow code too.
 */

/** Wraps text written as is, so the writer's stack tells it from a value still to write. */
class Raw {
  constructor(readonly text: string) {}
}

/** Marks the end of an object or array on the writer's stack: a later sibling holding it is no cycle. */
class Leave {
  constructor(readonly value: object) {}
}

/**
 * `JSON.stringify(value)` without its recursion (a 50,000-level nesting overflows the stack there) or
 * its throws (a cycle, a bigint from an in-process caller): strings are well-formed JSON, NUL and lone
 * surrogates escaped. A repeated object is written `"[cycle]"`; a non-finite number `null`.
 */
export function jsonText(value: unknown): string {
  const out: string[] = [];
  const stack: unknown[] = [value];
  const open = new Set<object>();
  while (stack.length > 0) {
    const item = stack.pop();
    if (item instanceof Raw) {
      out.push(item.text);
      continue;
    }
    if (item instanceof Leave) {
      open.delete(item.value);
      continue;
    }
    if (typeof item === 'string') out.push(JSON.stringify(item));
    else if (typeof item === 'number') out.push(Number.isFinite(item) ? String(item) : 'null');
    else if (typeof item === 'boolean') out.push(String(item));
    else if (typeof item === 'bigint') out.push(JSON.stringify(String(item)));
    else if (typeof item !== 'object' || item === null) out.push('null');
    else if (open.has(item)) out.push('"[cycle]"');
    else {
      open.add(item);
      stack.push(new Leave(item));
      if (Array.isArray(item)) {
        stack.push(new Raw(']'));
        for (let i = item.length - 1; i >= 0; i--) {
          stack.push(item[i] as unknown);
          if (i > 0) stack.push(new Raw(','));
        }
        stack.push(new Raw('['));
      } else {
        const entries = Object.entries(item).filter(([, member]) => member !== undefined && typeof member !== 'function' && typeof member !== 'symbol');
        stack.push(new Raw('}'));
        for (let i = entries.length - 1; i >= 0; i--) {
          const [key, member] = entries[i] as [string, unknown];
          stack.push(member);
          stack.push(new Raw(`${i > 0 ? ',' : ''}${JSON.stringify(key)}:`));
        }
        stack.push(new Raw('{'));
      }
    }
  }
  return out.join('');
}

/** A copy of the first part of a value, in jsonText's order, and where it stops. */
export interface JsonPrefixCopy {
  /** Plain objects, arrays and scalars holding the value's members up to the cut; jsonText writes it as the value's text up to there. */
  copy: unknown;
  /** Whether anything of the value was left out. */
  cut: boolean;
  /** The arrays and objects still open where it stopped: their closing brackets end the copy's text but not the value's. */
  openAtCut: number;
}

/**
 * The members of `value` that jsonText writes within about `budget` characters, as a plain copy: what redacting a
 * huge output costs is then what redacting its kept part costs (redaction walks every string with its patterns;
 * 28 MB of rows took about 5 s, and the worker's event loop, heartbeats included, waits that long). Everything
 * before the cut is copied whole, so the copy's text is the value's text up to there; a string the cut falls in is
 * cut and loses its last word, so no half of a card number or an address stays at the end for redaction to miss.
 */
export function jsonPrefixCopy(value: unknown, budget: number): JsonPrefixCopy {
  let written = 0;
  const root: { value?: unknown } = {};
  const open = new Set<object>();
  const stack: (Member | Leave)[] = [new Member(value, 0, (copy) => (root.value = copy))];
  const stop = () => ({ copy: root.value ?? null, cut: true, openAtCut: open.size });
  while (stack.length > 0) {
    const task = stack.pop()!;
    if (task instanceof Leave) {
      open.delete(task.value);
      written += 1;
      continue;
    }
    const { item, put } = task;
    written += task.lead;
    if (written > budget) return stop();
    if (typeof item === 'string') {
      const room = budget - written - 2;
      if (item.length > room) {
        put(item.slice(0, Math.max(0, room)).replace(/\S*$/u, ''));
        return stop();
      }
      put(item);
      written += item.length + 2;
    } else if (typeof item === 'number' || typeof item === 'boolean') {
      const scalar = typeof item === 'number' && !Number.isFinite(item) ? null : item;
      put(scalar);
      written += String(scalar).length;
    } else if (typeof item === 'bigint') {
      put(String(item));
      written += String(item).length + 2;
    } else if (typeof item !== 'object' || item === null) {
      put(null);
      written += 4;
    } else if (open.has(item)) {
      put('[cycle]');
      written += 9;
    } else {
      open.add(item);
      stack.push(new Leave(item));
      written += 1;
      if (Array.isArray(item)) {
        const copy: unknown[] = [];
        put(copy);
        for (let i = item.length - 1; i >= 0; i--) stack.push(new Member(item[i] as unknown, i > 0 ? 1 : 0, (member) => copy.push(member)));
      } else {
        const copy: Record<string, unknown> = {};
        put(copy);
        const entries = Object.entries(item).filter(([, member]) => member !== undefined && typeof member !== 'function' && typeof member !== 'symbol');
        for (let i = entries.length - 1; i >= 0; i--) {
          const [key, member] = entries[i] as [string, unknown];
          // Defined, not assigned: a key `__proto__` is a member like any other, not the copy's prototype.
          stack.push(
            new Member(member, key.length + 3 + (i > 0 ? 1 : 0), (copied) =>
              Object.defineProperty(copy, key, { value: copied, enumerable: true, writable: true, configurable: true }),
            ),
          );
        }
      }
    }
  }
  return { copy: root.value ?? null, cut: false, openAtCut: 0 };
}

/** A member still to copy: its value, the characters written before it (a comma, its key), and where its copy goes. */
class Member {
  constructor(
    readonly item: unknown,
    readonly lead: number,
    readonly put: (copy: unknown) => void,
  ) {}
}
