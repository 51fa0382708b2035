/**
 * The JSON text of a tool's output for the model to read. Never throws: the tool has run by then, and its run
 * must be reported and answered whatever the output holds. A BigInt is written as its digits (a string) and an
 * object inside itself as "[cycle]", as Airlock stores such an output; anything else JSON cannot write (a toJSON
 * or getter that throws, a nesting too deep) is named instead of written.
 */
export function jsonForModel(output: unknown): string {
  // The objects being written, outermost first: the replacer's `this` is the holder of the member it is given.
  const open: unknown[] = [];
  try {
    return (
      JSON.stringify(output, function (this: unknown, _key: string, member: unknown) {
        if (typeof member === 'bigint') return member.toString();
        if (typeof member !== 'object' || member === null) return member;
        // Members of objects already written are done: what is left open is the path to this member.
        while (open.length > 0 && open[open.length - 1] !== this) open.pop();
        if (open.includes(member)) return '[cycle]';
        open.push(member);
        return member;
      }) ?? 'null'
    );
  } catch (error) {
    return `(the tool's output cannot be written as JSON: ${error instanceof Error ? error.message : typeof error})`;
  }
}
