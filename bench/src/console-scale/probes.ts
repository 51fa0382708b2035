/** One measured request: a console page (session cookie) or a REST call (user API key). */
export interface Probe {
  name: string;
  path: string;
  auth: 'session' | 'bearer';
  /** Text the answer must contain, so a sign-in redirect or an error page is never timed as a success. */
  expect: string;
}

/** What the console is asked, at the seeded scale. `seqs` are real cursors into the seeded log. */
export function consoleProbes(input: { deepSeq: number; middleSeq: number; rangeFrom: string; rangeTo: string; rareAgent: string }): Probe[] {
  const page = (name: string, path: string, expect: string): Probe => ({ name, path, auth: 'session', expect });
  return [
    page('inbox', '/', 'pending approval'),
    page('inbox, agent filter', '/?agent=agent-01', 'pending approval'),
    page('inbox, tool filter', '/?tool=shell.exec', 'pending approval'),
    page('inbox, tier filter', '/?tier=critical', 'pending approval'),
    page('inbox, team + tier, newest', `/?team=team-4&tier=high&sort=newest`, 'pending approval'),
    { name: 'REST GET /api/v1/approvals', path: '/api/v1/approvals', auth: 'bearer', expect: '"approvals"' },
    { name: 'REST GET /api/v1/approvals?limit=500', path: '/api/v1/approvals?limit=500', auth: 'bearer', expect: '"approvals"' },
    page('audit, first page', '/audit', 'Audit log'),
    page('audit, cursor in the middle', `/audit?before=${input.middleSeq}`, 'Audit log'),
    page('audit, deep cursor', `/audit?before=${input.deepSeq}`, 'Audit log'),
    page('audit, actor filter', '/audit?actor=user:approver-07', 'Audit log'),
    page('audit, rare actor', `/audit?actor=agent:${input.rareAgent}`, 'Audit log'),
    page('audit, actor with no rows', '/audit?actor=user:nobody', 'No audit events match'),
    page('audit, type filter', '/audit?type=tool.started', 'Audit log'),
    page('audit, rare type', '/audit?type=approval.timed_out', 'Audit log'),
    page('audit, one day a week ago', `/audit?from=${input.rangeFrom}&to=${input.rangeTo}`, 'Audit log'),
    page('audit, agent filter', '/audit?agent=agent-01', 'Audit log'),
    page('analytics, 24 hours', '/analytics?window=24h', 'Rubber-stamping'),
    page('analytics, 7 days', '/analytics', 'Rubber-stamping'),
    page('analytics, 30 days', '/analytics?window=30d', 'Rubber-stamping'),
  ];
}
