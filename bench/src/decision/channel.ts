/** An action at its approval gate, and what a decision on it must name. */
export interface GatedAction {
  actionId: string;
  argsHash: string;
}

/** One way a person's approval reaches the workflow. */
export interface DecisionChannel {
  /** Key in the JSON output. */
  key: string;
  /** Row in the timing table. */
  label: string;
  /** Name in the targets table. */
  short: string;
  /**
   * Untimed set-up for one action (Slack: waiting for its approval message). Returns
   * the decision request itself: the clock starts just before it is sent, and it
   * resolves when its answer has arrived (and fails on a refusal).
   */
  prepare(action: GatedAction): Promise<() => Promise<void>>;
  /** Another tree's console (--console-baseline): timed beside the others, not a target. */
  baseline?: boolean;
}

/** Which console a console channel goes to: this tree's, or the baseline's (key and label suffixes). */
export interface ChannelVariant {
  key: string;
  label: string;
  baseline: boolean;
}

export const THIS_TREE: ChannelVariant = { key: '', label: '', baseline: false };
export const BASELINE: ChannelVariant = { key: 'Baseline', label: ' (baseline)', baseline: true };

/** Throws unless the response is 200; reads the body so the connection is free again. */
export async function expectOk(response: Response, what: string): Promise<void> {
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${what}: HTTP ${response.status} ${text.slice(0, 500)}`);
}
