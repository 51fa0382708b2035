import Link from 'next/link';
import type { ArgsPreview } from './args-preview.js';

/** The arguments an approval would let run, as stored (redacted), with a pointer to the full record when shortened. */
export function ArgsSummary({ args, actionId, label }: { args: ArgsPreview; actionId: string; label: string }) {
  return (
    <div className="args-summary">
      {args.entries.length === 0 ? (
        <p className="muted small">No arguments.</p>
      ) : (
        <dl aria-label={label}>
          {args.entries.map((entry) => (
            <div key={entry.name}>
              <dt>{entry.name}</dt>
              <dd>
                <code>{entry.value}</code>
              </dd>
            </div>
          ))}
        </dl>
      )}
      {args.shortened && (
        <p className="muted small">
          Shortened here: <Link href={`/actions/${actionId}`}>open the action</Link> to read every argument in full.
        </p>
      )}
    </div>
  );
}
