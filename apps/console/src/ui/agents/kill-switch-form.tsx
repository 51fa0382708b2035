'use client';

import { useActionState, useState } from 'react';
import { idle } from '../forms/notice.js';
import { resumeAgent, stopAgent } from './governance-actions.js';
import { NoticeLine } from '../forms/notice-line.js';

/** Admins stop an agent (typing its id to confirm) or resume it. */
export function KillSwitchForm({ agentId, stopped }: { agentId: string; stopped: boolean }) {
  const [stopNotice, stop, stopping] = useActionState(stopAgent, idle);
  const [resumeNotice, resume, resuming] = useActionState(resumeAgent, idle);
  const [open, setOpen] = useState(false);
  // Controlled, so a refused attempt (React resets forms after an action) keeps what was typed.
  const [reason, setReason] = useState('');
  const [confirm, setConfirm] = useState('');
  const notice = stopNotice.kind !== 'idle' ? stopNotice : resumeNotice;
  const id = `kill-${agentId}`;
  return (
    <div>
      {stopped ? (
        <form action={resume}>
          <input type="hidden" name="agentId" value={agentId} />
          <button type="submit" disabled={resuming}>
            Resume {agentId}
          </button>
        </form>
      ) : open ? (
        <form action={stop} className="danger-zone">
          <input type="hidden" name="agentId" value={agentId} />
          <p>Stopping refuses the agent’s new requests and cancels everything it has in flight.</p>
          <label htmlFor={`${id}-reason`}>Reason (recorded in the audit log)</label>
          <input id={`${id}-reason`} name="reason" required minLength={3} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
          <label htmlFor={`${id}-confirm`}>
            Type <code>{agentId}</code> to confirm
          </label>
          <input id={`${id}-confirm`} name="confirm" required autoComplete="off" spellCheck={false} value={confirm} onChange={(e) => setConfirm(e.target.value)} />
          <div className="buttons">
            <button type="submit" className="deny" disabled={stopping}>
              Stop agent
            </button>
            <button type="button" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <button type="button" className="deny" onClick={() => setOpen(true)}>
          Kill switch…
        </button>
      )}
      <NoticeLine notice={notice} />
    </div>
  );
}
