'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { showsSomethingNew, type LiveSignal } from './live-signals.js';

/**
 * Re-renders the page's server data when the audit log grows (Server-Sent Events); `actionId` narrows it
 * to one action, `shownSeq` (the last row the page rendered) to rows after it.
 */
export function LiveRefresh({ actionId, shownSeq }: { actionId?: string; shownSeq?: string }) {
  const router = useRouter();
  // Read at each signal, not a reason to reconnect: every refresh renders a newer one.
  const shown = useRef(shownSeq);
  useEffect(() => {
    shown.current = shownSeq;
  }, [shownSeq]);
  const [state, setState] = useState<'connecting' | 'live' | 'reconnecting'>('connecting');
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    const source = new EventSource('/api/console/events');
    source.addEventListener('ready', () => setState('live'));
    source.addEventListener('audit', (event: MessageEvent<string>) => {
      const signals = JSON.parse(event.data) as LiveSignal[];
      if (!showsSomethingNew(signals, actionId, shown.current)) return;
      // Bursts (a decision writes several rows) become one refresh.
      if (pending.current) clearTimeout(pending.current);
      pending.current = setTimeout(() => router.refresh(), 150);
    });
    source.onerror = () => setState('reconnecting');
    return () => {
      source.close();
      if (pending.current) clearTimeout(pending.current);
    };
  }, [router, actionId]);
  return (
    <span className={`live live-${state}`} data-live={state}>
      {state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
    </span>
  );
}
