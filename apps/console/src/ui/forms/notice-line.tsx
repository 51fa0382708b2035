'use client';

import { usePathname } from 'next/navigation';
import { useEffect, useRef, type ReactNode } from 'react';
import { SESSION_ENDED, type Notice } from './notice.js';

const role = (notice: Notice) => (notice.kind === 'error' ? 'alert' : 'status');

/**
 * Focus on a refusal when it arrives: the submit button was disabled while the form was sent,
 * which leaves the keyboard focus nowhere (the page's start); from the refusal the person reads
 * why and tabs on to the fields they typed. Each answer is a new object, so a repeat refusal
 * focuses again.
 */
export function useFocusOnError<T extends HTMLElement>(notice: Notice) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (notice.kind === 'error') ref.current?.focus();
  }, [notice]);
  return ref;
}

/**
 * A notice's words. A session that ended under a form gets a way back that keeps the form: signing
 * in again in another tab (which returns to this page there), then sending the form again here.
 */
export function NoticeText({ notice }: { notice: Notice }) {
  const path = usePathname();
  if (notice.kind !== 'error' || notice.message !== SESSION_ENDED) return <>{notice.message}</>;
  return (
    <>
      Your session has ended.{' '}
      <a href={`/sign-in?next=${encodeURIComponent(path)}`} target="_blank" rel="noopener">
        Sign in again in a new tab
      </a>
      , then send this again: what you typed here is kept.
    </>
  );
}

/** A form's answer under the form: an alert when it failed (read out at once, and focused), a status otherwise. */
export function NoticeLine({ notice, children }: { notice: Notice; children?: ReactNode }) {
  const ref = useFocusOnError<HTMLParagraphElement>(notice);
  return (
    <p ref={ref} tabIndex={-1} role={role(notice)} className={`notice ${notice.kind}`}>
      {children ?? <NoticeText notice={notice} />}
    </p>
  );
}

/** The same beside an inline form's button, after a space. */
export function InlineNotice({ notice }: { notice: Notice }) {
  const ref = useFocusOnError<HTMLSpanElement>(notice);
  return (
    <span ref={ref} tabIndex={-1} role={role(notice)} className={`notice ${notice.kind}`}>
      {' '}
      <NoticeText notice={notice} />
    </span>
  );
}

/**
 * A server action's answer in a live region. A secret in it (a new API key, a webhook's signing
 * secret, a one-time password) is shown once, in a read-only field that selects itself for copying:
 * it lives only in this answer, so navigating away drops it for good.
 */
export function NoticeView({ notice }: { notice: Notice }) {
  const ref = useFocusOnError<HTMLDivElement>(notice);
  return (
    <div ref={ref} tabIndex={-1} role={notice.kind === 'error' ? 'alert' : 'status'} className={`notice ${notice.kind}`}>
      <NoticeText notice={notice} />
      {notice.secret && (
        <div className="secret">
          <label>
            {notice.secret.label}
            <input readOnly value={notice.secret.value} className="mono" spellCheck={false} onFocus={(e) => e.currentTarget.select()} />
          </label>
        </div>
      )}
    </div>
  );
}
