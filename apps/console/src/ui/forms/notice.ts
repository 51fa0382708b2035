/** What a console form tells the person after a server action: shown in a live region. */
export interface Notice {
  kind: 'idle' | 'ok' | 'error';
  message: string;
  /** A secret (a new API key, a one-time password) shown in this answer only: never stored in plaintext. */
  secret?: { label: string; value: string };
}

export const idle: Notice = { kind: 'idle', message: '' };
export const ok = (message: string): Notice => ({ kind: 'ok', message });
export const failed = (message: string): Notice => ({ kind: 'error', message });

/** Every write's refusal once the session is gone (signed out, expired, key revoked, account disabled): notices offer a way back in. */
export const SESSION_ENDED = 'Your session has ended. Sign in again.';
