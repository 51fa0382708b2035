'use client';

import Link from 'next/link';
import { useCallback, useEffect, useRef, useState, useTransition } from 'react';
import { idle, type Notice } from '../forms/notice.js';
import type { InboxItem } from './query.js';
import { decide } from '../actions/decision-actions.js';
import { Countdown } from '../shared/countdown.js';
import { DecisionDialog, type DecisionFields, type PendingDecision } from './decision-dialog.js';
import { NoticeLine, NoticeText } from '../forms/notice-line.js';
import { ArgsSummary } from './args-summary.js';
import { whyCannotDecideRow } from '../actions/decider-standing.js';
import type { Role } from '@airlock/core';

const CONFIRM_TIERS = new Set(['high', 'critical']);

/** The pending approvals, with j / k to move, a to approve and d to deny (approvers only). */
export function InboxList({ approvals, canDecide, userId, role }: { approvals: InboxItem[]; canDecide: boolean; userId: string; role: Role }) {
  const [selected, setSelected] = useState(0);
  const [pending, setPending] = useState<PendingDecision | null>(null);
  const [notice, setNotice] = useState<Notice>(idle);
  const [drafts, setDrafts] = useState<Record<string, DecisionFields>>({});
  const [busy, startTransition] = useTransition();
  const rows = useRef<(HTMLElement | null)[]>([]);

  const submit = useCallback((kind: 'approve' | 'deny', approval: InboxItem, fields: DecisionFields = { comment: '', feedback: '' }) => {
    const form = new FormData();
    form.set('actionId', approval.actionId);
    form.set('argsHash', approval.argsHash);
    form.set('decision', kind);
    form.set('comment', fields.comment);
    form.set('feedback', fields.feedback);
    startTransition(async () => {
      const answer = await decide(idle, form);
      setNotice(answer);
      // A refused decision (the session ended, the round moved on) keeps what was typed for the next try on that row.
      setDrafts((previous) => {
        const next = { ...previous };
        if (answer.kind === 'error' && (fields.comment || fields.feedback)) next[approval.actionId] = fields;
        else delete next[approval.actionId];
        return next;
      });
    });
  }, []);

  const request = useCallback(
    (kind: 'approve' | 'deny', approval: InboxItem) => {
      if (kind === 'approve' && !CONFIRM_TIERS.has(approval.tier ?? '')) submit(kind, approval);
      else setPending({ kind, approval });
    },
    [submit],
  );

  const clamped = Math.min(selected, Math.max(0, approvals.length - 1));
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || pending) return;
      const target = event.target as HTMLElement;
      if (target.closest('input, textarea, select, [contenteditable="true"]')) return;
      const move = (to: number) => {
        const next = Math.max(0, Math.min(approvals.length - 1, to));
        setSelected(next);
        rows.current[next]?.focus();
      };
      const row = approvals[clamped];
      const current = row && !standOut(row, userId, role) ? row : undefined;
      if (event.key === 'j') move(clamped + 1);
      else if (event.key === 'k') move(clamped - 1);
      else if (canDecide && current && !busy && event.key === 'a') request('approve', current);
      else if (canDecide && current && !busy && event.key === 'd') request('deny', current);
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [approvals, clamped, canDecide, busy, pending, request, userId, role]);

  return (
    <>
      <NoticeLine notice={notice}>{busy ? 'Sending your decision…' : <NoticeText notice={notice} />}</NoticeLine>
      {approvals.length === 0 ? (
        <div className="card empty">
          <p>Nothing is waiting for a decision. New requests appear here as they arrive.</p>
        </div>
      ) : (
        <ol className="inbox" aria-label="Pending approvals">
          {approvals.map((approval, index) => (
            <li key={approval.approvalId}>
              <InboxRow
                approval={approval}
                selected={index === clamped}
                ref={(el) => {
                  rows.current[index] = el;
                }}
                onFocus={() => setSelected(index)}
                onDecide={canDecide && !standOut(approval, userId, role) ? (kind) => request(kind, approval) : undefined}
                standsOut={canDecide ? standOut(approval, userId, role) : undefined}
                busy={busy}
              />
            </li>
          ))}
        </ol>
      )}
      {canDecide ? (
        <p className="muted small">
          Keys: <kbd>j</kbd> / <kbd>k</kbd> next / previous, <kbd>a</kbd> approve, <kbd>d</kbd> deny. High and critical risks ask for confirmation.
        </p>
      ) : (
        <p className="muted small">Your role may view approvals but not decide them.</p>
      )}
      <DecisionDialog
        pending={pending}
        draft={pending ? drafts[pending.approval.actionId] : undefined}
        onCancel={() => setPending(null)}
        onConfirm={(fields) => {
          if (pending) submit(pending.kind, pending.approval, fields);
          setPending(null);
        }}
      />
    </>
  );
}

/** Why this person has nothing to decide on a row the server would refuse them anyway; undefined when they may. */
function standOut(approval: InboxItem, userId: string, role: Role): string | undefined {
  return whyCannotDecideRow(approval, { userId, role });
}

function InboxRow({
  approval,
  selected,
  ref,
  onFocus,
  onDecide,
  standsOut,
  busy,
}: {
  approval: InboxItem;
  selected: boolean;
  ref: (el: HTMLElement | null) => void;
  onFocus: () => void;
  onDecide?: (kind: 'approve' | 'deny') => void;
  standsOut?: string;
  busy: boolean;
}) {
  const headingId = `approval-${approval.approvalId}`;
  const { quorum } = approval;
  return (
    <article ref={ref} tabIndex={-1} onFocus={onFocus} className={`card row${selected ? ' selected' : ''}`} aria-labelledby={headingId} data-action-id={approval.actionId}>
      <div className="row-main">
        <h3 id={headingId}>
          <Link href={`/actions/${approval.actionId}`}>
            <code>{approval.tool}</code>
          </Link>{' '}
          <span className={`tier tier-${approval.tier ?? 'unknown'}`}>{approval.tier ?? 'unclassified'} risk</span>
        </h3>
        <p className="meta">
          {approval.agentId}
          {approval.requestedBy && <> for {approval.requestedBy}</>} · <Countdown deadline={approval.deadline} /> · {quorum.approvals} of {quorum.required} approvals
          {approval.escalationLevel > 0 && <strong className="urgent"> · escalated (level {approval.escalationLevel})</strong>}
        </p>
        <p className="reasons">{approval.reasons.join(' · ') || 'no policy reason recorded'}</p>
        <ArgsSummary args={approval.args} actionId={approval.actionId} label={`Arguments of ${approval.tool}`} />
        {approval.rationale && <p className="rationale">“{approval.rationale}”</p>}
      </div>
      {standsOut && <p className="muted small">{standsOut}</p>}
      {onDecide && (
        <div className="buttons">
          <button type="button" className="primary" disabled={busy} onClick={() => onDecide('approve')}>
            Approve
          </button>
          <button type="button" className="deny" disabled={busy} onClick={() => onDecide('deny')}>
            Deny…
          </button>
        </div>
      )}
    </article>
  );
}
