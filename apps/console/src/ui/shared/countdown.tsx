'use client';

import { useEffect, useState } from 'react';
import { utc } from './utc.js';

/** Time left until a deadline, ticking; the server renders the absolute UTC time so hydration agrees. */
export function Countdown({ deadline }: { deadline: string | null }) {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  if (!deadline) return <span>no deadline: it waits until someone decides</span>;
  const at = Date.parse(deadline);
  const label = now === null ? utc(deadline) : left(at - now);
  const urgent = now !== null && at - now < 5 * 60_000;
  return (
    <time dateTime={deadline} title={utc(deadline)} className={urgent ? 'urgent' : undefined}>
      {label}
    </time>
  );
}

function left(ms: number): string {
  if (ms <= 0) return 'deadline passed';
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h} h ${m} min left`;
  if (m > 0) return `${m} min ${sec} s left`;
  return `${sec} s left`;
}
