import type { ReactNode } from 'react';
import type { Notice } from './notice.js';

const role = (notice: Notice) => (notice.kind === 'error' ? 'alert' : 'status');

/** A form's answer under the form: an alert when it failed (read out at once), a status otherwise. */
export function NoticeLine({ notice, children }: { notice: Notice; children?: ReactNode }) {
  return (
    <p role={role(notice)} className={`notice ${notice.kind}`}>
      {children ?? notice.message}
    </p>
  );
}

/** The same beside an inline form's button, after a space. */
export function InlineNotice({ notice }: { notice: Notice }) {
  return (
    <span role={role(notice)} className={`notice ${notice.kind}`}>
      {' '}
      {notice.message}
    </span>
  );
}
