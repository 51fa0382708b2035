import type { ApprovalRequirement } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import { approverStanding, type Candidate } from './approvers.js';

const requirement = (overrides: Partial<ApprovalRequirement> = {}): ApprovalRequirement => ({
  requiredApprovals: 1,
  approverRole: 'approver',
  denyEndsIt: true,
  timeoutMs: 60_000,
  timeoutOutcome: 'deny',
  escalation: [],
  ...overrides,
});
const user = (id: string, role: Candidate['role'], groups: string[] = []): Candidate => ({ id, role, groups });
const parties = { requestedBy: 'rita', ownerId: 'otto' };

describe('who may approve an action', () => {
  it('needs the required role or higher', () => {
    expect(approverStanding(user('ana', 'approver'), requirement(), parties)).toEqual({ kind: 'eligible' });
    expect(approverStanding(user('adm', 'admin'), requirement(), parties)).toEqual({ kind: 'eligible' });
    expect(approverStanding(user('vic', 'viewer'), requirement(), parties)).toEqual({ kind: 'not_qualified' });
  });

  it('needs the approver group when the rule names one', () => {
    const req = requirement({ approverGroup: 'payments' });
    expect(approverStanding(user('ana', 'approver', ['payments']), req, parties).kind).toBe('eligible');
    expect(approverStanding(user('bo', 'approver', ['infra']), req, parties).kind).toBe('not_qualified');
  });

  it('excludes the requester and the agent owner, saying why', () => {
    expect(approverStanding(user('rita', 'admin'), requirement(), parties)).toEqual({ kind: 'excluded', reason: 'requested this action' });
    expect(approverStanding(user('otto', 'admin'), requirement(), parties)).toEqual({ kind: 'excluded', reason: 'owns the agent that requested this action' });
    // Someone who would not qualify anyway is not listed as excluded.
    expect(approverStanding(user('rita', 'viewer'), requirement(), parties).kind).toBe('not_qualified');
    expect(approverStanding(user('ana', 'approver'), requirement(), { ownerId: null }).kind).toBe('eligible');
  });

  it('knows the requester in any case the agent wrote their id in (user ids are lower case)', () => {
    expect(approverStanding(user('rita', 'admin'), requirement(), { requestedBy: 'Rita' })).toEqual({ kind: 'excluded', reason: 'requested this action' });
    expect(approverStanding(user('rita', 'admin'), requirement(), { requestedBy: 'RITA' }).kind).toBe('excluded');
  });

  it('widens along escalation targets: a group takes its approvers, role:<role> everyone with that role', () => {
    const req = requirement({ approverRole: 'admin' });
    expect(approverStanding(user('olga', 'approver', ['oncall']), req, parties).kind).toBe('not_qualified');
    expect(approverStanding(user('olga', 'approver', ['oncall']), req, parties, ['oncall']).kind).toBe('eligible');
    expect(approverStanding(user('vic', 'viewer', ['oncall']), req, parties, ['oncall']).kind).toBe('not_qualified');
    expect(approverStanding(user('ana', 'approver'), requirement({ approverRole: 'admin', approverGroup: 'x' }), parties, ['role:approver']).kind).toBe('eligible');
    expect(approverStanding(user('rita', 'admin'), req, parties, ['role:approver']).kind).toBe('excluded');
  });
});
