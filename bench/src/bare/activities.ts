import { StartProbe } from '../start-probe.js';

/** Returns its input: the cheapest possible activity. */
export async function echo(input: { message: string }): Promise<{ message: string }> {
  return input;
}

/** When each bare tool body started (the bare worker runs in the bench's process). */
export const bareToolStarts = new StartProbe();

/** The bare counterpart of an approved tool: notes that its body started. */
export async function bareTool(input: { id: string }): Promise<void> {
  bareToolStarts.mark(input.id);
}
