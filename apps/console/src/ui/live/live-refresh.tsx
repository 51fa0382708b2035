'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';

/** Re-renders the page's server data when the audit log grows (Server-Sent Events); `actionId` narrows it to one action. */
export function LiveRefresh({ actionId }: { actionId?: string }) {
  const router = useRouter();
  const [state, setState] = useState<'connecting' | 'live' | 'reconnecting'>('connecting');
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    const source = new EventSource('/api/console/events');
    source.addEventListener('ready', () => setState('live'));
    source.addEventListener('audit', (event: MessageEvent<string>) => {
      const signals = JSON.parse(event.data) as { actionId: string | null }[];
      if (actionId && !signals.some((s) => s.actionId === actionId)) return;
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
