import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { AUDIT_EVENT_TYPES, isAuditEventType, parseAuditEvent } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import { auditCatalogueTable, documentedCatalogueTable } from '../../scripts/audit-events-doc.js';

const repo = path.join(import.meta.dirname, '../../..');
const argsHash = 'a'.repeat(64);

/** Product source files (no tests, benchmarks, generated code or dependencies). */
function productFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (['node_modules', 'generated', '.next', 'test', 'bench'].includes(name)) return [];
    if (statSync(full).isDirectory()) return productFiles(full);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

describe('the audit event catalogue', () => {
  it('is what docs/AUDIT-EVENTS.md shows (npm run docs:audit regenerates the table)', () => {
    expect(documentedCatalogueTable()).toBe(auditCatalogueTable());
  });

  it('lists every event type a product file writes', () => {
    // The compiler already refuses an uncatalogued type at appendAudit; this also catches one built where it cannot look.
    const writers = ['activities/src', 'apps', 'packages', 'prisma/src', 'workflows/src']
      .flatMap((dir) => productFiles(path.join(repo, dir)))
      .filter((file) => /appendAudit|defineUseCase|AuditEventInput|AuditEventBody/.test(readFileSync(file, 'utf8')));
    const written = new Set<string>();
    for (const file of writers) {
      for (const match of readFileSync(file, 'utf8').matchAll(/type: '([a-z_]+\.[a-z_]+)'/g)) written.add(match[1]!);
    }
    expect(written.size).toBeGreaterThan(40);
    expect([...written].filter((type) => !isAuditEventType(type))).toEqual([]);
  });

  it('parses the payloads written today', () => {
    const today = [
      { type: 'action.requested', payload: { tool: 'payments.refund', args: { amount: 10 }, argsHash, rationale: 'customer asked', requestedBy: null } },
      { type: 'action.classified', payload: { decision: 'allow', tier: 'low', reasons: ['demo'], policyVersion: 'p1', notify: true } },
      {
        type: 'action.classified',
        payload: {
          decision: 'require_approval',
          tier: 'high',
          reasons: ['step 1 (fs.write): writes'],
          approval: { requiredApprovals: 2, approverRole: 'approver', denyEndsIt: true, timeoutMs: 60_000, timeoutOutcome: 'deny', escalation: [] },
          plan: [{ tool: 'fs.write', decision: 'require_approval', tier: 'high', reversible: true, status: 'pending' }],
        },
      },
      { type: 'action.completed', payload: { status: 'executed', actionId: 'act_1' } },
      { type: 'action.completed', payload: { status: 'denied', actionId: 'act_1', reason: 'no', feedback: 'ask less', deniedBy: 'alice' } },
      {
        type: 'approval.decision',
        payload: { approvalId: 'ap1', approverId: 'alice', decision: 'approve', channel: 'slack', round: 1, decidedAt: '2026-12-03T10:00:00.000Z', argsHash },
      },
      { type: 'approval.timed_out', payload: { approvalId: 'ap1', round: 1, reason: 'the deadline passed' } },
      { type: 'user.password_changed', payload: {} },
    ];
    for (const row of today) {
      const event = parseAuditEvent(row.type, row.payload);
      expect(event, row.type).toMatchObject({ type: row.type });
    }
    const plan = parseAuditEvent(today[2]!.type, today[2]!.payload);
    expect(plan.type === 'action.classified' && plan.payload.plan?.[0]?.tool).toBe('fs.write');
  });

  it('parses the shapes earlier versions wrote', () => {
    // Before `round` was added to approval rows and `args` to the request row.
    expect(
      parseAuditEvent('approval.opened', {
        approvalId: 'ap1',
        requiredApprovals: 1,
        approverRole: 'approver',
        timeoutMs: 1000,
        timeoutOutcome: 'deny',
        deadline: null,
        eligibleApprovers: ['bob'],
      }),
    ).toMatchObject({
      type: 'approval.opened',
      payload: { approvalId: 'ap1', denyEndsIt: true, escalation: [] },
    });
    expect(parseAuditEvent('approval.approved', { approvalId: 'ap1', reason: 'quorum reached' })).toMatchObject({ type: 'approval.approved' });
    expect(
      parseAuditEvent('approval.decision', { approvalId: 'ap1', approverId: 'alice', decision: 'deny', channel: 'console', decidedAt: '2026-11-22T10:00:00.000Z', argsHash }),
    ).toMatchObject({
      type: 'approval.decision',
    });
    expect(parseAuditEvent('action.requested', { tool: 'demo.echo', argsHash, rationale: 'r', requestedBy: null })).toMatchObject({ type: 'action.requested' });
    // Fields the catalogue does not know (a newer writer's) are no reason to refuse the row.
    expect(parseAuditEvent('tool.started', { tool: 'demo.echo', idempotencyKey: 'k', host: 'w1' })).toMatchObject({ type: 'tool.started', payload: { tool: 'demo.echo' } });
  });

  it('parses what it cannot describe to the legacy variant instead of throwing', () => {
    expect(parseAuditEvent('test.event', { i: 1 })).toEqual({
      type: 'legacy',
      storedType: 'test.event',
      payload: { i: 1 },
      problem: '"test.event" is not in the audit event catalogue',
    });
    const mismatched = parseAuditEvent('tool.failed', { tool: 'demo.echo' });
    expect(mismatched).toMatchObject({ type: 'legacy', storedType: 'tool.failed', payload: { tool: 'demo.echo' } });
    expect(mismatched.type === 'legacy' && mismatched.problem).toMatch(/^payload does not match "tool.failed" at error/);
    expect(parseAuditEvent('action.completed', null)).toMatchObject({ type: 'legacy' });
    expect(parseAuditEvent('__proto__', {})).toMatchObject({ type: 'legacy' });
  });

  it('names each type once, dotted', () => {
    expect(new Set(AUDIT_EVENT_TYPES).size).toBe(AUDIT_EVENT_TYPES.length);
    for (const type of AUDIT_EVENT_TYPES) expect(type).toMatch(/^[a-z_]+\.[a-z_]+$/);
  });
});
