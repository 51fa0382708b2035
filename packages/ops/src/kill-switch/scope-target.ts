import { GovernanceScope, TENANT_TARGET } from '@airlock/db';
import { z } from 'zod';
import { storedText } from '../stored-text.js';

/** A kill switch's scope and target: agent and team scopes name theirs; the tenant is everything ("*" or nothing). */
export const ScopeTarget = z.strictObject({ scope: GovernanceScope, target: storedText(200).optional() });

export function scopeTarget(body: { scope: GovernanceScope; target?: string | undefined }, ctx: z.RefinementCtx): void {
  if (body.scope === 'tenant') {
    if (body.target !== undefined && body.target !== TENANT_TARGET)
      ctx.addIssue({ code: 'custom', path: ['target'], message: `the tenant scope takes no target (or "${TENANT_TARGET}")` });
  } else if (body.target === undefined) {
    ctx.addIssue({ code: 'custom', path: ['target'], message: `required for the ${body.scope} scope: the ${body.scope === 'agent' ? 'agent id' : 'team name'}` });
  } else if (body.target === TENANT_TARGET) {
    ctx.addIssue({ code: 'custom', path: ['target'], message: `"${TENANT_TARGET}" means the whole tenant: use the tenant scope` });
  }
}
