/** A labelled <select> for GET filter forms; `any` adds an empty "no filter" choice. */
export function Select({ name, label, value, options, any }: { name: string; label: string; value: string | undefined; options: [string, string][]; any?: string }) {
  const id = `filter-${name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} name={name} defaultValue={value ?? ''}>
        {any && <option value="">{any}</option>}
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}
