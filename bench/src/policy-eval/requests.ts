import type { PolicyInput } from '@airlock/policy';

export interface NamedRequest {
  name: string;
  input: PolicyInput;
}

const agent = { id: 'billing-bot', team: 'billing', owner: 'owner', allowedTools: ['demo.*', 'payments.*', 'shell.*', 'http.*', 'sql.*', 'fs.*'] };
const rationale = 'The customer was charged twice for order 881; refunding the duplicate.';

const request = (name: string, tool: string, args: Record<string, unknown>, signals?: Record<string, unknown>): NamedRequest => ({
  name,
  input: { tool, toolKnown: true, args, agent, rationale, ...(signals ? { signals } : {}) },
});

/**
 * What agents send, one of each kind the default policy tells apart: harmless
 * demo tools, refunds on each side of both money thresholds, the built-in
 * tools' read and write forms, a low-confidence signal, and a tool no worker has.
 */
export const REPRESENTATIVE_REQUESTS: readonly NamedRequest[] = [
  request('demo.echo', 'demo.echo', { message: 'hello' }),
  request('refund 25.00 (allow)', 'payments.refund', { paymentId: 'pay_1', amount: '25.00', currency: 'USD', reason: 'duplicate' }),
  request('refund 125.00 (1 approver)', 'payments.refund', { paymentId: 'pay_2', amount: '125.00', currency: 'USD', reason: 'duplicate' }),
  request('refund 2500.00 (2 approvers)', 'payments.refund', { paymentId: 'pay_3', amount: '2500.00', currency: 'USD', reason: 'duplicate' }),
  request('shell.exec argv', 'shell.exec', { argv: ['ls', '-la'] }),
  request('shell.exec script', 'shell.exec', { script: 'grep -c error /var/log/app.log' }),
  request('http GET', 'http.request', { method: 'GET', url: 'https://api.example.com/orders/881' }),
  request('http POST', 'http.request', { method: 'POST', url: 'https://api.example.com/orders', body: '{}' }),
  request('sql read', 'sql.query', { sql: 'SELECT count(*) FROM orders' }),
  request('sql write', 'sql.query', { sql: 'UPDATE orders SET status = $1', mode: 'write' }),
  request('fs.write', 'fs.write', { path: '/srv/reports/q3.txt', content: 'ok' }),
  request('echo, confidence 0.4', 'demo.echo', { message: 'unsure' }, { confidence: 0.4 }),
  { name: 'unknown tool', input: { tool: 'crm.delete_customer', toolKnown: false, args: { id: 'c_1' }, agent, rationale } },
];
