import { parse, type ASTNode } from '@marcbachmann/cel-js';

// Which recorded fields an expression reads, so a backtest over stored (redacted)
// actions can say which rules depended on a value it no longer has.

/** The variables whose values an action's record may lack: redacted arguments and rationale, unrecorded signals. */
const RECORDED_ROOTS = new Set(['args', 'rationale', 'result']);

/**
 * The field paths `expression` reads, as dotted paths from a root variable
 * (`args.card.number`, `rationale`, `result.confidence`). A dynamic index or a
 * whole value handed to a function or macro is reported as the deepest static
 * path (`args.items` for `args.items.exists(i, ...)`): it may read anything under it.
 */
export function fieldReads(expression: string): string[] {
  const reads = new Set<string>();
  visit(parse(expression).ast, reads);
  return [...reads].sort();
}

function visit(node: ASTNode, reads: Set<string>): void {
  const path = staticPath(node);
  if (path) {
    reads.add(path.join('.'));
    return;
  }
  for (const child of children(node.args)) visit(child, reads);
}

function staticPath(node: ASTNode): string[] | null {
  switch (node.op) {
    case 'id':
      return RECORDED_ROOTS.has(node.args) ? [node.args] : null;
    case '.':
    case '.?': {
      const parent = staticPath(node.args[0]);
      return parent ? [...parent, node.args[1]] : null;
    }
    case '[]':
    case '[?]': {
      const [target, index] = node.args;
      const parent = staticPath(target);
      return parent && index.op === 'value' && (typeof index.args === 'string' || typeof index.args === 'bigint' || typeof index.args === 'number')
        ? [...parent, String(index.args)]
        : null;
    }
    default:
      return null;
  }
}

/** Every node of an expression's tree, the root first. */
export function* celNodes(node: ASTNode): Generator<ASTNode> {
  yield node;
  for (const child of children(node.args)) yield* celNodes(child);
}

function* children(args: unknown): Generator<ASTNode> {
  if (isNode(args)) {
    yield args;
  } else if (Array.isArray(args)) {
    for (const item of args) yield* children(item);
  }
}

function isNode(value: unknown): value is ASTNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'op' in value && 'args' in value;
}

/** Whether reading `read` touches `field`: one lies under the other (`args.card` and `args.card.number` overlap both ways). */
export function readTouches(read: string, field: string): boolean {
  return read === field || field.startsWith(`${read}.`) || read.startsWith(`${field}.`);
}
