'use client';

import { useEffect, useMemo, useState, useTransition } from 'react';
import { diffArgs } from './args-diff.js';
import { idle, type Notice } from '../forms/notice.js';
import { approveAndRemember, checkEditedArgs, decide } from './decision-actions.js';
import { RememberFields, type RememberableArg } from './remember-fields.js';
import { DataTable } from '../shared/data-table.js';
import { NoticeLine, NoticeText } from '../forms/notice-line.js';

interface Props {
  /** False once the round takes no more decisions from this person (it closed, or they decided it): the form goes, a refusal stays. */
  open: boolean;
  actionId: string;
  argsHash: string;
  tier: string | null;
  args: Record<string, unknown>;
  agentId: string;
  tool: string;
  /** Arguments a standing approval can be bounded on; the remember option shows only to whoever may use it. */
  rememberable: RememberableArg[];
  /** A round one approver decides alone: only those can be remembered. */
  canRemember: boolean;
}

/**
 * Approve, deny with feedback for the model, approve with edited arguments
 * (checked against the tool's schema, shown as a diff), or approve and remember
 * (a standing approval scoped from this action).
 */
export function DecisionControls({ open, actionId, argsHash, tier, args, agentId, tool, rememberable, canRemember }: Props) {
  const [notice, setNotice] = useState<Notice>(idle);
  const [busy, startTransition] = useTransition();
  const [confirming, setConfirming] = useState(false);
  const [editing, setEditing] = useState(false);
  const [remembering, setRemembering] = useState(false);
  const original = useMemo(() => JSON.stringify(args, null, 2), [args]);
  const [edited, setEdited] = useState(original);
  const [check, setCheck] = useState<Notice>(idle);
  const needsConfirm = tier === 'high' || tier === 'critical';
  // A new round (an approver's edit) puts new arguments before the person: an edit of the old ones starts over, and
  // a success notice about the old round goes (the stored decisions above tell it); a refusal stays, it says why.
  const [roundHash, setRoundHash] = useState(argsHash);
  if (roundHash !== argsHash) {
    setRoundHash(argsHash);
    if (notice.kind === 'ok') setNotice(idle);
    setEdited(original);
    setEditing(false);
    setConfirming(false);
    setCheck(idle);
  }

  const parsedEdit = useMemo(() => {
    try {
      return { value: JSON.parse(edited) as unknown };
    } catch (error) {
      return { error: error instanceof Error ? error.message : 'not JSON' };
    }
  }, [edited]);
  const changes = 'value' in parsedEdit ? diffArgs(args, parsedEdit.value) : [];

  useEffect(() => {
    if (!editing || !('value' in parsedEdit)) return;
    const timer = setTimeout(() => {
      checkEditedArgs(actionId, edited).then(setCheck, () => setCheck({ kind: 'error', message: 'Could not check the edit; the server will check it on submit.' }));
    }, 300);
    return () => clearTimeout(timer);
  }, [actionId, edited, editing, parsedEdit]);

  const send = (form: FormData) => {
    form.set('actionId', actionId);
    form.set('argsHash', argsHash);
    if (!(editing && form.get('decision') === 'approve' && changes.length > 0)) form.delete('editedArgs');
    setConfirming(false);
    const rememberIt = remembering && form.get('decision') === 'approve';
    startTransition(async () => setNotice(rememberIt ? await approveAndRemember(idle, form) : await decide(idle, form)));
  };

  if (!open) {
    // The page re-rendered without the form (the round closed, or took this person's decision): a refusal stays readable.
    return notice.kind === 'error' ? (
      <section className="card" aria-labelledby="decide-heading">
        <h2 id="decide-heading">Your decision</h2>
        <NoticeLine notice={notice} />
      </section>
    ) : null;
  }

  return (
    <form
      className="card"
      aria-labelledby="decide-heading"
      onSubmit={(event) => {
        event.preventDefault();
        const submitter = event.nativeEvent.submitter as HTMLButtonElement | null;
        const form = new FormData(event.currentTarget);
        const decision = submitter?.value ?? 'approve';
        form.set('decision', decision);
        if (decision === 'approve' && needsConfirm && !confirming) return setConfirming(true);
        send(form);
      }}
    >
      <h2 id="decide-heading">Decide</h2>
      <label htmlFor="comment">Comment (on a denial, the reason the agent receives)</label>
      <input id="comment" name="comment" maxLength={2000} />
      <label htmlFor="feedback">Feedback for the model (sent with a denial)</label>
      <textarea id="feedback" name="feedback" rows={3} maxLength={4000} />

      <label className="inline">
        <input type="checkbox" checked={editing} disabled={remembering} onChange={(e) => setEditing(e.target.checked)} /> Approve with edited arguments
      </label>
      {canRemember && (
        <label className="inline">
          <input type="checkbox" checked={remembering} disabled={editing} onChange={(e) => setRemembering(e.target.checked)} /> Approve and remember (standing approval)
        </label>
      )}
      {remembering && <RememberFields agentId={agentId} tool={tool} args={rememberable} />}
      {editing && (
        <div className="grid2">
          <div>
            <label htmlFor="editedArgs">Edited arguments (JSON)</label>
            <textarea
              id="editedArgs"
              name="editedArgs"
              className="mono"
              rows={10}
              value={edited}
              onChange={(e) => setEdited(e.target.value)}
              aria-describedby="edit-check"
              spellCheck={false}
            />
            <p id="edit-check" role="status" className={`notice ${'error' in parsedEdit ? 'error' : check.kind}`}>
              {'error' in parsedEdit ? `Not JSON: ${parsedEdit.error}` : check.message}
            </p>
          </div>
          <div>
            <h3>Changes</h3>
            <DataTable columns={['Field', 'Requested', 'Edited']} rows={changes} empty="No changes yet.">
              {(c) => (
                <tr key={c.path}>
                  <td className="mono">{c.path}</td>
                  <td className="mono diff-del">{c.before ?? '—'}</td>
                  <td className="mono diff-add">{c.after ?? '—'}</td>
                </tr>
              )}
            </DataTable>
          </div>
        </div>
      )}

      {confirming && (
        <p role="alert" className="notice error">
          This is a {tier}-risk action. Press “Confirm approval” to let it run{editing && changes.length > 0 ? ' with your edits' : ''}.
        </p>
      )}
      <div className="buttons">
        <button type="submit" name="decision" value="approve" className="primary" disabled={busy || (editing && 'error' in parsedEdit)}>
          {confirming ? 'Confirm approval' : remembering ? 'Approve and remember' : editing && changes.length > 0 ? 'Approve with edits' : 'Approve'}
        </button>
        <button type="submit" name="decision" value="deny" className="deny" disabled={busy}>
          Deny
        </button>
        {confirming && (
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        )}
      </div>
      <NoticeLine notice={notice}>{busy ? 'Sending your decision…' : <NoticeText notice={notice} />}</NoticeLine>
    </form>
  );
}
