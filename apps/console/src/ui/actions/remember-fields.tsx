'use client';

import { DataTable } from '../shared/data-table.js';

/** One argument an approval can be remembered on, with the bounds it can take (computed on the server). */
export interface RememberableArg {
  arg: string;
  /** This action's value, as text: the pre-filled cap or the value "same" binds to. */
  value: string;
  kinds: ('same' | 'at_most')[];
}

interface Props {
  agentId: string;
  tool: string;
  args: RememberableArg[];
}

/**
 * The scope of the standing approval, pre-filled from this action: per argument
 * any value, the same value, or at most a cap (starting at this action's value);
 * then how many uses and for how long.
 */
export function RememberFields({ agentId, tool, args }: Props) {
  return (
    <fieldset className="remember" aria-describedby="remember-help">
      <legend>Remember this approval</legend>
      <p id="remember-help" className="muted small">
        Later requests by <strong>{agentId}</strong> for <code>{tool}</code> within these bounds run without waiting, until the uses or the time run out. You may revoke it at any
        time.
      </p>
      {args.length > 0 && (
        <DataTable columns={['Argument', 'Bound', 'Cap']} rows={args}>
          {(a) => (
            <tr key={a.arg}>
              <td className="mono">{a.arg}</td>
              <td>
                <select name={`bound:${a.arg}`} aria-label={`Bound on ${a.arg}`} defaultValue={a.kinds.includes('at_most') ? 'at_most' : 'same'}>
                  <option value="any">any value</option>
                  <option value="same">same: {a.value}</option>
                  {a.kinds.includes('at_most') && <option value="at_most">at most…</option>}
                </select>
              </td>
              <td>{a.kinds.includes('at_most') && <input name={`cap:${a.arg}`} aria-label={`Cap on ${a.arg}`} defaultValue={a.value} inputMode="decimal" size={10} />}</td>
            </tr>
          )}
        </DataTable>
      )}
      <div className="grid2">
        <div>
          <label htmlFor="maxUses">Uses</label>
          <input id="maxUses" name="maxUses" type="number" min={1} max={10000} defaultValue={10} required />
        </div>
        <div>
          <label htmlFor="validForHours">Expires after (hours)</label>
          <input id="validForHours" name="validForHours" type="number" min={1} max={2160} defaultValue={24} required />
        </div>
      </div>
      <label htmlFor="rememberReason">Reason (kept with the grant)</label>
      <input id="rememberReason" name="reason" maxLength={2000} placeholder="remembered from this action" />
    </fieldset>
  );
}
