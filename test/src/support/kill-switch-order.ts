/**
 * The kill switch's reply lists the runs that were in flight at its commit. From one
 * action's audit types (with the switch's `kill_switch.on` row merged in, in chain order):
 * did its run start before the switch and not finish before it? A run that also finished
 * before the switch (a fast refund may) was no longer the switch's to list; listing it is
 * allowed, not required.
 */
export function inFlightAtSwitch(types: readonly string[]): boolean {
  const switchedAt = types.indexOf('kill_switch.on');
  if (switchedAt === -1) throw new Error(`no kill_switch.on among the audit types: ${types.join(' → ')}`);
  const startedAt = types.indexOf('tool.started');
  const completedAt = types.indexOf('action.completed');
  return startedAt !== -1 && startedAt < switchedAt && (completedAt === -1 || completedAt > switchedAt);
}
