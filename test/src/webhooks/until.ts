/**
 * Resolves once `condition` holds, polling it (a database's lock table, a flag another promise sets). The bound only
 * turns a hang into a failure naming what never happened; nothing is asserted about how long it took.
 */
export async function until(what: string, condition: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
