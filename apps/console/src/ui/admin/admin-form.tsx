'use client';

import { startTransition, useActionState, useEffect, useRef, type ReactNode } from 'react';
import { idle, type Notice } from '../forms/notice.js';
import { NoticeView } from '../forms/notice-line.js';

/**
 * A form around one admin server action. A refused submission keeps what was
 * typed (it is sent from `onSubmit`, so React does not reset the form); a
 * successful one is cleared, unless it edits something (`keepValues`). A secret
 * in the answer is shown once, selectable.
 */
export function AdminForm({
  action,
  submit,
  confirm,
  danger,
  inline,
  label,
  keepValues,
  children,
}: {
  action: (previous: Notice, form: FormData) => Promise<Notice>;
  submit: string;
  /** Asked in the browser's own dialog before anything is sent. */
  confirm?: string;
  danger?: boolean;
  inline?: boolean;
  /** The accessible name of the form (and its button) where several sit side by side. */
  label?: string;
  /** An edit form: after a save it keeps showing what was saved (a reset would bring back the values it was first rendered with). */
  keepValues?: boolean;
  children?: ReactNode;
}) {
  const [notice, run, pending] = useActionState(action, idle);
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (notice.kind === 'ok' && !keepValues) form.current?.reset();
  }, [notice, keepValues]);
  return (
    <form
      ref={form}
      action={run}
      aria-label={label}
      className={inline ? 'inline-form' : 'admin-form'}
      onSubmit={(event) => {
        event.preventDefault();
        if (confirm && !window.confirm(confirm)) return;
        const data = new FormData(event.currentTarget);
        startTransition(() => run(data));
      }}
    >
      {children}
      <button type="submit" className={danger ? 'deny' : 'primary'} disabled={pending} aria-label={label ? `${submit}: ${label}` : undefined}>
        {submit}
      </button>
      <NoticeView notice={notice} />
    </form>
  );
}
