import Link from 'next/link';
import { ANALYTICS_WINDOWS, type AnalyticsWindowName } from '../window.js';

/** The window choices as links (shareable URLs, no script), the current one marked for assistive technology. */
export function WindowPicker({ current }: { current: AnalyticsWindowName }) {
  return (
    <nav aria-label="Time window" className="segmented">
      {(Object.keys(ANALYTICS_WINDOWS) as AnalyticsWindowName[]).map((w) => (
        <Link key={w} href={`/analytics?window=${w}`} aria-current={w === current ? 'page' : undefined}>
          {ANALYTICS_WINDOWS[w].label}
        </Link>
      ))}
    </nav>
  );
}
