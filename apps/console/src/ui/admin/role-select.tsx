import { Role } from '@airlock/core';

const MEANING: Record<Role, string> = {
  viewer: 'viewer: sees everything, decides nothing',
  approver: 'approver: decides actions',
  admin: 'admin: also manages agents, keys, users, budgets',
};

export function RoleSelect({ id, value, label = 'Role', hideLabel }: { id: string; value?: Role; label?: string; hideLabel?: boolean }) {
  return (
    <div>
      <label htmlFor={id} className={hideLabel ? 'sr-only' : undefined}>
        {label}
      </label>
      <select id={id} name="role" defaultValue={value ?? 'viewer'}>
        {Role.options.map((r) => (
          <option key={r} value={r}>
            {MEANING[r]}
          </option>
        ))}
      </select>
    </div>
  );
}
