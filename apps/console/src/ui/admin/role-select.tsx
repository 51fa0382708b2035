import { Role } from '@airlock/core';

/** The page's one list of what each role may do (`RoleMeanings`), which every `RoleSelect` points to. */
const MEANINGS_ID = 'role-meanings';

const MEANING: Record<Role, string> = {
  viewer: 'sees everything, decides nothing',
  approver: 'decides actions',
  admin: 'also manages agents, keys, users, budgets',
};

/**
 * What each role may do, said once on the page. The drop-downs show only the role's name: with its
 * meaning in every option, the widest ("admin: also manages …", 406 px) was wider than a phone's
 * column and was cut off in the users table.
 */
export function RoleMeanings() {
  return (
    <dl id={MEANINGS_ID} className="role-meanings">
      {Role.options.map((r) => (
        <div key={r}>
          <dt>{r}</dt>
          <dd>{MEANING[r]}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A role drop-down, described by the page's `RoleMeanings` (which the page must show). */
export function RoleSelect({ id, value, label = 'Role', hideLabel }: { id: string; value?: Role; label?: string; hideLabel?: boolean }) {
  return (
    <div>
      <label htmlFor={id} className={hideLabel ? 'sr-only' : undefined}>
        {label}
      </label>
      <select id={id} name="role" defaultValue={value ?? 'viewer'} aria-describedby={MEANINGS_ID}>
        {Role.options.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
    </div>
  );
}
