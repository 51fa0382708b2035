import { postKillSwitch, schemas } from '@airlock/console';
import { describe, expect, it } from 'vitest';
import { apiRequest, expectError, expectJson, useApiHarness } from './client.js';

// A team is its agents. A switch on a team no agent is in (a typo: "biling") committed an active switch that
// stopped nothing while the answer looked like it had; now it is a 400 naming target, and nothing is written.

const { h, ctx, keys } = useApiHarness();
const killSwitch = (body: unknown) => postKillSwitch(apiRequest('/api/v1/kill-switch', { key: keys.bob, body }), ctx);

describe('POST /api/v1/kill-switch on a team', () => {
  it('a team no agent is in is refused naming target: no switch, no audit row; the agents’ own team is switched off', async () => {
    const refused = await expectError(killSwitch({ scope: 'team', target: 'biling', reason: 'incident 7' }), 400, 'invalid_request');
    expect(refused.issues).toEqual([{ path: 'target', message: 'no agent is in team "biling"; a switch on it would stop nothing' }]);
    expect(await h.db.prisma.killSwitch.count()).toBe(0);
    expect(await h.db.prisma.auditEvent.count({ where: { type: 'kill_switch.on' } })).toBe(0);

    const billing = await expectJson(killSwitch({ scope: 'team', target: 'billing', reason: 'incident 7' }), 200, schemas.KillSwitchResult);
    expect(await h.db.prisma.killSwitch.findMany({ select: { id: true, target: true } })).toEqual([{ id: billing.suspensionId, target: 'billing' }]);
  });
});
