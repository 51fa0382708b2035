import { readFileSync } from 'node:fs';
import path from 'node:path';
import { airlockArgsFor, airlockToolFor, gatewayToolName, parseGatewayConfig, GatewayConfigError } from '@airlock/mcp-gateway';
import { evaluatePolicy } from '@airlock/policy';
import { DEFAULT_REQUEST_TIMEOUT_MSEC } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { loadPolicyFile } from '@airlock/policy/files';
import { describe, expect, it } from 'vitest';

// The gateway's config, its tool naming, the hook's mapping and the example coding-agent policy: no services.

const policiesDir = path.resolve(import.meta.dirname, '../../../packages/policy/policies');

describe('MCP gateway config', () => {
  it('fills the defaults for a minimal config', () => {
    const config = parseGatewayConfig({ servers: { fs: { command: 'mcp-fs', args: ['/srv'] }, web: { url: 'http://127.0.0.1:3001/mcp' } } });
    expect(config).toMatchObject({ approvalWaitMs: 45_000, progressIntervalMs: 5_000, reportWithinMs: 900_000, http: { host: '127.0.0.1', port: 3333, path: '/mcp' } });
    expect(config.servers.fs).toEqual({ command: 'mcp-fs', args: ['/srv'], env: {} });
  });

  it('answers "pending" with the action id before a default MCP client gives up on the call', () => {
    const config = parseGatewayConfig({ servers: { fs: { command: 'mcp-fs' } } });
    // The SDK client's default request timeout (60 s), less room for the round trips around the wait.
    expect(config.approvalWaitMs).toBeLessThanOrEqual(DEFAULT_REQUEST_TIMEOUT_MSEC - 10_000);
  });

  it('names every problem by its path', () => {
    const problems = () => parseGatewayConfig({ servers: { Bad: { command: 'x' }, web: { url: 'ftp://x' }, fs: { command: '' } }, approvalWaitMs: -1, extra: true });
    expect(problems).toThrow(GatewayConfigError);
    const message = (() => {
      try {
        problems();
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toMatch(/servers\.Bad: not a server name/);
    expect(message).toMatch(/servers\.web\.url: must be an http\(s\) URL/);
    expect(message).toMatch(/approvalWaitMs: /);
    expect(message).toMatch(/extra/);
    expect(() => parseGatewayConfig({ servers: {} })).toThrow(/servers: declare at least one upstream/);
    expect(() => parseGatewayConfig({ servers: { airlock: { command: 'x' } } })).toThrow(/reserved/);
  });
});

describe('tool names', () => {
  it('namespaces upstream tools as Airlock tool names', () => {
    expect(gatewayToolName('everything', 'get-sum')).toBe('everything.get_sum');
    expect(gatewayToolName('fs', 'read_text_file')).toBe('fs.read_text_file');
    expect(gatewayToolName('gh', 'CreateIssue')).toBe('gh.createissue');
    expect(gatewayToolName('x', '9lives')).toBeUndefined();
  });

  it('maps Claude Code tools and cuts long strings with their hash', () => {
    expect(airlockToolFor('Bash')).toBe('claude_code.bash');
    expect(airlockToolFor('MultiEdit')).toBe('claude_code.multi_edit');
    expect(airlockToolFor('mcp__github__create_issue')).toBe('claude_code.mcp__github__create_issue');
    const content = 'x'.repeat(20_000);
    const args = airlockArgsFor({ session_id: 's', hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: '/r/a', content }, cwd: '/r' });
    expect(args).toMatchObject({ cwd: '/r', file_path: '/r/a', content: expect.stringMatching(/…\(20000 characters\)$/), content_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('keeps the session’s cwd and the cut string’s hash whatever keys the tool input has', () => {
    const content = 'x'.repeat(20_000);
    const tool_input = { file_path: '/etc/cron.d/x', cwd: '/etc', content, content_sha256: '0'.repeat(64) };
    const args = airlockArgsFor({ session_id: 's', hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input, cwd: '/r' });
    expect(args).toMatchObject({ cwd: '/r', input_cwd: '/etc', input_content_sha256: '0'.repeat(64) });
    expect(args.content_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(args.content_sha256).not.toBe('0'.repeat(64));
    // The example policy then sees a write outside the project.
    const policy = loadPolicyFile(path.join(policiesDir, 'coding-agent.yaml'));
    const agent = { id: 'claude', team: 'eng', owner: null, allowedTools: ['claude_code.*'] };
    expect(evaluatePolicy(policy, { tool: 'claude_code.write', args, toolKnown: true, rationale: '', agent }).decision).toBe('require_approval');
  });
});

describe('the example coding-agent policy', () => {
  const policy = loadPolicyFile(path.join(policiesDir, 'coding-agent.yaml'));
  const samples = JSON.parse(readFileSync(path.join(policiesDir, 'coding-agent.samples.json'), 'utf8')) as { name: string; tool: string; args: Record<string, unknown> }[];
  const expected: Record<string, string> = {
    ls: 'allow',
    tests: 'allow',
    chained: 'require_approval',
    install: 'require_approval',
    'rm -rf': 'require_approval',
    'force push': 'require_approval',
    'edit in project': 'allow',
    'write outside': 'require_approval',
    '.env': 'require_approval',
    workflow: 'require_approval',
  };

  it.each(samples.map((sample) => [sample.name, sample] as const))('%s', (name, sample) => {
    const result = evaluatePolicy(policy, {
      tool: sample.tool,
      args: sample.args,
      toolKnown: true,
      rationale: '',
      agent: { id: 'claude', team: 'eng', owner: null, allowedTools: ['claude_code.*'] },
    });
    expect(result.decision).toBe(expected[name]);
  });
});
