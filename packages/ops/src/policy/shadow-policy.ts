import type { Db } from '@airlock/db';
import { z } from 'zod';
import { defineUseCase } from '../use-case.js';
import { compileCandidate, PolicySourceName, PolicyText } from './candidate.js';

// Shadow mode: one candidate policy that workers evaluate beside the live one at
// admission, recording only where they disagree. Setting and clearing it are
// operator actions (admin: it reads every request's arguments).

export interface ShadowPolicyRecord {
  version: string;
  source: string;
  text: string;
  setBy: string;
  setAt: Date;
}

export const SetShadowPolicyInput = z.strictObject({ policy: PolicyText, source: PolicySourceName });
export const ClearShadowPolicyInput = z.strictObject({});

interface ShadowRowSql {
  version: string;
  source: string;
  text: string;
  set_by: string;
  set_at: Date;
}

const record = (r: ShadowRowSql): ShadowPolicyRecord => ({ version: r.version, source: r.source, text: r.text, setBy: r.set_by, setAt: r.set_at });

/** Puts a candidate in shadow (replacing any other); it must compile with the policy compiler first. */
export const setShadowPolicy = defineUseCase({
  name: 'policy.shadow.set',
  role: 'admin',
  input: SetShadowPolicyInput,
  async write(tx, input, operator) {
    const compiled = compileCandidate(input.policy, input.source, 'policy');
    const previous = await tx.query<{ version: string }>("SELECT version FROM shadow_policies WHERE id = 'shadow' FOR UPDATE");
    const { rows } = await tx.query<ShadowRowSql>(
      `INSERT INTO shadow_policies (id, version, source, text, set_by, set_at) VALUES ('shadow', $1, $2, $3, $4, now())
       ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, source = EXCLUDED.source, text = EXCLUDED.text, set_by = EXCLUDED.set_by, set_at = now()
       RETURNING version, source, text, set_by, set_at`,
      [compiled.version, compiled.source, input.policy, operator.actor],
    );
    return {
      result: record(rows[0]!),
      audit: {
        type: 'policy.shadow_set',
        payload: { version: compiled.version, source: compiled.source, rules: compiled.rules.length, replaced: previous.rows[0]?.version ?? null },
      },
    };
  },
});

/** Stops shadow evaluation; the differences recorded so far stay. A repeat changes nothing. */
export const clearShadowPolicy = defineUseCase({
  name: 'policy.shadow.clear',
  role: 'admin',
  input: ClearShadowPolicyInput,
  async write(tx) {
    const { rows } = await tx.query<{ version: string }>("DELETE FROM shadow_policies WHERE id = 'shadow' RETURNING version");
    const cleared = rows[0]?.version ?? null;
    return { result: { cleared }, audit: cleared ? { type: 'policy.shadow_cleared', payload: { version: cleared } } : null };
  },
});

export async function readShadowPolicy(db: Db): Promise<ShadowPolicyRecord | null> {
  const { rows } = await db.pool.query<ShadowRowSql>("SELECT version, source, text, set_by, set_at FROM shadow_policies WHERE id = 'shadow'");
  return rows[0] ? record(rows[0]) : null;
}
