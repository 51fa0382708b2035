'use client';

import { useEffect, useRef } from 'react';
import type { InboxItem } from './query.js';
import { ArgsSummary } from './args-summary.js';

export type PendingDecision = { kind: 'approve' | 'deny'; approval: InboxItem };
export type DecisionFields = { comment: string; feedback: string };

/**
 * Confirms a high or critical approval, or collects a denial's reason and the
 * feedback for the model. A modal <dialog>: focus stays inside, Escape cancels.
 */
export function DecisionDialog({
  pending,
  draft,
  onCancel,
  onConfirm,
}: {
  pending: PendingDecision | null;
  /** What was typed for this approval before a refusal: offered again. */
  draft?: DecisionFields | undefined;
  onCancel: () => void;
  onConfirm: (fields: DecisionFields) => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (pending && !dialog.open) dialog.showModal();
    if (!pending && dialog.open) dialog.close();
  }, [pending]);
  const approval = pending?.approval;
  const deny = pending?.kind === 'deny';
  return (
    <dialog ref={ref} aria-labelledby="decision-dialog-title" onClose={onCancel}>
      {approval && (
        <form
          method="dialog"
          onSubmit={(event) => {
            event.preventDefault();
            const data = new FormData(event.currentTarget);
            onConfirm({ comment: text(data.get('comment')), feedback: text(data.get('feedback')) });
          }}
        >
          <h2 id="decision-dialog-title">
            {deny ? 'Deny' : 'Approve'} <code>{approval.tool}</code>?
          </h2>
          <p>
            {approval.agentId} · <span className={`tier tier-${approval.tier ?? 'unknown'}`}>{approval.tier ?? 'unclassified'} risk</span>
          </p>
          {!deny && <p>This is a {approval.tier}-risk action. Approving lets it run with these arguments:</p>}
          <ArgsSummary args={approval.args} actionId={approval.actionId} label="Arguments" />
          <label htmlFor="dialog-comment">{deny ? 'Reason (recorded and sent to the agent)' : 'Comment (optional)'}</label>
          <input id="dialog-comment" name="comment" maxLength={2000} autoFocus={deny} defaultValue={draft?.comment} />
          {deny && (
            <>
              <label htmlFor="dialog-feedback">Feedback for the model (what to do instead)</label>
              <textarea id="dialog-feedback" name="feedback" rows={3} maxLength={4000} defaultValue={draft?.feedback} />
            </>
          )}
          <div className="buttons">
            <button type="submit" className={deny ? 'deny' : 'primary'} autoFocus={!deny}>
              {deny ? 'Deny' : 'Approve'}
            </button>
            <button type="button" onClick={onCancel}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}

const text = (value: FormDataEntryValue | null): string => (typeof value === 'string' ? value : '');
