import type { UserRecord } from '@airlock/ops';

/** The person accountable for an agent (they may not approve its requests); "none" sends "-". */
export function OwnerSelect({ id, users, value }: { id: string; users: UserRecord[]; value?: string | null }) {
  return (
    <div>
      <label htmlFor={id}>Owner</label>
      <select id={id} name="ownerId" defaultValue={value ?? '-'}>
        <option value="-">none</option>
        {users
          .filter((u) => !u.disabledAt)
          .map((u) => (
            <option key={u.id} value={u.id}>
              {u.name} ({u.email})
            </option>
          ))}
      </select>
    </div>
  );
}
