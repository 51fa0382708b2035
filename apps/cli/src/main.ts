import { Command, CommanderError } from 'commander';
import { EnvError } from '@airlock/core/env';
import { CliError } from './cli-error.js';

// Each command loads its own modules when it runs: policy commands work offline and load no database,
// listings load no use case (nor the policy compiler its refusals are worded with), and only the
// commands that signal workflows load Temporal's client. `--help` loads none of them.
const policyCommands = () => import('./policy-commands.js');
const lists = () => import('./list-commands.js');
const ops = () => import('./ops-commands.js');
const accounts = () => import('./user-commands.js');
const agents = () => import('./agent-commands.js');
const keys = () => import('./key-commands.js');
const budgets = () => import('./budget-commands.js');
const slack = () => import('./slack-commands.js');
const decisions = () => import('./decision-commands.js');
const audit = () => import('./audit-commands.js');
const mcp = () => import('./mcp-commands.js');
const hooks = () => import('./hook-commands.js');
const webhooks = () => import('./webhook-commands.js');
const policyShadow = () => import('./policy-shadow-commands.js');

const program = new Command('airlock')
  .description('Operate Airlock: policies, agents and keys, users, budgets, Slack links, the kill switch, standing approvals, decisions.')
  .exitOverride();
const print = (text: string) => console.log(text);
const BY = 'who is doing this: an Airlock user (id or email) whose role applies (default: your OS account, as an admin)';

const policy = program.command('policy').description('lint, dry-run, backtest and shadow policy files');
policy
  .command('check <file>')
  .description('compile and type-check a policy file')
  .action(async (file: string) => print((await policyCommands()).policyCheck(file)));
policy
  .command('test <file> <requests>')
  .description('classify each sample request in a JSON array as admission would (policy and guardrails) and print a table')
  .option('--execution <worker|agent>', 'how a sample that does not say (no "execution") is run: by a worker, or gate-only by the agent (default: as the policy dry-run\'s)')
  .action(async (file: string, requests: string, options: { execution?: string }) => print(await (await policyCommands()).policyTest(file, requests, options)));
policy
  .command('backtest <file>')
  .description('re-evaluate the recorded actions of a window under a candidate policy and show what would change (records nothing)')
  .requiredOption('--since <when>', 'a duration back from now ("30d", "12h") or a date')
  .option('--until <iso-time>', 'end of the window, e.g. 2027-01-31T00:00:00Z (default: now)')
  .option('--against <file>', 'the live policy file (default: the one a running worker reports)')
  .option('--limit <n>', 'how many changed or uncertain actions to list', '50')
  .option('--json', 'the whole report as JSON')
  .action(async (file: string, options: Parameters<Awaited<ReturnType<typeof policyShadow>>['backtestCommand']>[1]) =>
    print(await (await policyShadow()).backtestCommand(file, options)),
  );
const shadow = policy.command('shadow').description('shadow mode: a candidate policy evaluated beside the live one on live traffic, recording only differences');
shadow
  .command('set <file>')
  .description('put a candidate in shadow (admin; replaces any other)')
  .option('--by <user>', BY)
  .action(async (file: string, options: { by?: string }) => print(await (await policyShadow()).shadowSetCommand(file, options)));
shadow
  .command('clear')
  .description('stop shadow evaluation (admin); recorded differences stay')
  .option('--by <user>', BY)
  .action(async (options: { by?: string }) => print(await (await policyShadow()).shadowClearCommand(options)));
shadow
  .command('show')
  .description('the candidate in shadow and where it disagreed with the live policy')
  .option('--json', 'the summary as JSON')
  .action(async (options: { json?: boolean }) => print(await (await policyShadow()).shadowShowCommand(options)));

const scopeOptions = (cmd: Command) => cmd.option('--agent <id>', 'one agent').option('--team <name>', 'every agent of a team').option('--tenant', 'every agent');
scopeOptions(program.command('suspend').description('kill switch: deny new actions and cancel live ones'))
  .requiredOption('--reason <text>', 'why (shown to agents and in the audit log)')
  .option('--by <user>', BY)
  .action(async (options: Parameters<Awaited<ReturnType<typeof ops>>['suspendCommand']>[0]) => print(await (await ops()).suspendCommand(options)));
scopeOptions(program.command('resume').description('lift the kill switch'))
  .option('--by <user>', BY)
  .action(async (options: Parameters<Awaited<ReturnType<typeof ops>>['resumeCommand']>[0]) => print(await (await ops()).resumeCommand(options)));
program
  .command('suspensions')
  .description('list active kill switches')
  .action(async () => print(await (await lists()).suspensionsCommand()));

program
  .command('grant')
  .description('grant a standing approval (the same checks as the API: approver, not the agent’s owner, a condition that compiles)')
  .requiredOption('--agent <id>', 'agent')
  .requiredOption('--tool <name>', 'tool')
  .option('--condition <cel>', 'CEL over args', 'true')
  .requiredOption('--reason <text>', 'why')
  .requiredOption('--by <user>', 'the approver granting it (user id or email)')
  .option('--hours <n>', 'valid for', '24')
  .option('--uses <n>', 'maximum uses', '10')
  .action(async (options: Parameters<Awaited<ReturnType<typeof ops>>['grantCommand']>[0]) => print(await (await ops()).grantCommand(options)));
program
  .command('grants')
  .description('list active standing approvals')
  .option('--agent <id>')
  .action(async (options: { agent?: string }) => print(await (await lists()).grantsCommand(options)));
program
  .command('revoke <grantId>')
  .description('revoke a standing approval at once')
  .requiredOption('--by <user>', 'who revokes it (user id or email)')
  .action(async (id: string, options: { by: string }) => print(await (await ops()).revokeCommand(id, options)));

const agentCmd = program.command('agents').description('agents: create, change, disable, list');
agentCmd
  .command('list')
  .description('every agent')
  .action(async () => print(await (await lists()).listAgentsCommand()));
agentCmd
  .command('create <id>')
  .description('create an agent (no key yet: npm run airlock -- keys mint --agent <id>)')
  .requiredOption('--team <name>', 'its team (budgets and kill switches can cover a team)')
  .option('--name <text>', 'display name (default: the id)')
  .option('--owner <user>', 'the accountable person (user id or email); they may not approve its requests')
  .option('--tools <list>', 'comma-separated tool names or globs it may request (default: none)')
  .option('--by <user>', BY)
  .action(async (id: string, options: Parameters<Awaited<ReturnType<typeof agents>>['createAgentCommand']>[1]) => print(await (await agents()).createAgentCommand(id, options)));
agentCmd
  .command('update <id>')
  .description('change an agent’s name, team, owner or tools')
  .option('--team <name>')
  .option('--name <text>')
  .option('--owner <user>', 'the accountable person (user id or email)')
  .option('--no-owner', 'remove the owner')
  .option('--tools <list>', 'comma-separated; replaces the list ("" = none)')
  .option('--by <user>', BY)
  .action(async (id: string, options: { team?: string; name?: string; owner?: string | false; tools?: string; by?: string }) => {
    const { owner, ...rest } = options;
    print(await (await agents()).updateAgentCommand(id, { ...rest, ...(typeof owner === 'string' ? { owner } : owner === false ? { noOwner: true } : {}) }));
  });
agentCmd
  .command('disable <id>')
  .description('disable an agent: admission refuses it and its keys are revoked')
  .requiredOption('--reason <text>', 'why')
  .option('--by <user>', BY)
  .action(async (id: string, options: { reason: string; by?: string }) => print(await (await agents()).disableAgentCommand(id, options)));

const keyCmd = program.command('keys').description('API keys for agents and people; a secret is shown once');
keyCmd
  .command('mint')
  .description('mint a key for an agent or a person')
  .option('--agent <id>')
  .option('--user <user>', 'a person (user id or email)')
  .option('--name <text>', 'to tell keys apart', 'default')
  .option('--expires <iso-time>', 'when it stops working, e.g. 2027-01-31T00:00:00Z')
  .option('--by <user>', BY)
  .action(async (options: Parameters<Awaited<ReturnType<typeof keys>>['mintKeyCommand']>[0]) => print(await (await keys()).mintKeyCommand(options)));
keyCmd
  .command('list')
  .description('keys with their expiry and last use, never their secrets')
  .option('--agent <id>')
  .option('--user <user>', 'a person (user id or email)')
  .action(async (options: { agent?: string; user?: string }) => print(await (await lists()).listKeysCommand(options)));
keyCmd
  .command('rotate <keyId>')
  .description('revoke a key and mint its replacement in one step')
  .option('--expires <iso-time>', 'when the replacement stops working, e.g. 2027-01-31T00:00:00Z')
  .option('--by <user>', BY)
  .action(async (id: string, options: { expires?: string; by?: string }) => print(await (await keys()).rotateKeyCommand(id, options)));
keyCmd
  .command('revoke <keyId>')
  .description('revoke a key: refused from the next request on')
  .option('--by <user>', BY)
  .action(async (id: string, options: { by?: string }) => print(await (await keys()).revokeKeyCommand(id, options)));

const users = program.command('users').description('console accounts: one-time passwords, roles, disabling');
users
  .command('list')
  .description('every user')
  .action(async () => print(await (await lists()).listUsersCommand()));
const auditLog = program.command('audit').description('the hash-chained audit log: signing keys, export, verification (docs/AUDIT-FORMAT.md)');
auditLog
  .command('keygen')
  .description('create an Ed25519 key pair for signing audit checkpoints')
  .requiredOption('--out <dir>', 'where to write audit-signing-key.pem and audit-signing-key.pub.pem')
  .action(async (options: { out: string }) => console.log(await (await audit()).keygenCommand(options)));
auditLog
  .command('export')
  .description('write the whole log and its checkpoints as JSONL')
  .requiredOption('--out <file>', 'the export file (must not exist; it appears only once the export is whole)')
  .action(async (options: { out: string }) => console.log(await (await audit()).exportCommand(options)));
const collect = (value: string, previous: string[] = []) => [...previous, value];
auditLog
  .command('verify')
  .description('check every link and hash, and the signed checkpoints; names the first row that disagrees')
  .option('--file <export>', 'verify an export file alone (default: the live database at DATABASE_URL)')
  .option('--public-key <pem>', 'a checkpoint signer public key (repeat for rotated keys)', collect)
  .option('--checkpoints <jsonl>', 'checkpoints published outside the database, e.g. the file sink (repeatable)', collect)
  .option('--threads <n>', 'worker threads checking the database chain beside the reader (default: one per core; 0: none, faster on a busy host; not with --file)')
  .action(async (options: { file?: string; publicKey?: string[]; checkpoints?: string[]; threads?: string }) => {
    const result = await (await audit()).verifyCommand(options);
    console.log(result.text);
    if (!result.ok) process.exitCode = 1;
  });

users
  .command('add')
  .description('create a user and print a one-time password')
  .requiredOption('--email <address>', 'their email address (their sign-in name)')
  .requiredOption('--role <role>', 'viewer, approver or admin')
  .option('--name <text>', 'display name (default: the part of the email before @)')
  .option('--id <id>', 'user id (default: from the email)')
  .option('--by <user>', BY)
  .action(async (options: Parameters<Awaited<ReturnType<typeof accounts>>['addUserCommand']>[0]) => print(await (await accounts()).addUserCommand(options)));
users
  .command('reset-password <user>')
  .description('replace a user’s password (by id or email) with a new one-time password; ends their password sessions')
  .option('--by <user>', BY)
  .action(async (user: string, options: { by?: string }) => print(await (await accounts()).resetPasswordCommand(user, options)));
users
  .command('role <user> <role>')
  .description('change a user’s role (viewer, approver, admin); the user by id or email')
  .option('--by <user>', BY)
  .action(async (user: string, role: string, options: { by?: string }) => print(await (await accounts()).setRoleCommand(user, role, options)));
users
  .command('disable <user>')
  .description('disable a user (by id or email): keys revoked, sessions ended')
  .requiredOption('--reason <text>', 'why')
  .option('--by <user>', BY)
  .action(async (user: string, options: { reason: string; by?: string }) => print(await (await accounts()).disableUserCommand(user, options)));

const budgetCmd = program.command('budgets').description('spending caps per agent, team or tenant');
budgetCmd
  .command('list')
  .description('budgets with this period’s usage')
  .action(async () => print(await (await lists()).listBudgetsCommand()));
budgetCmd
  .command('create')
  .description('create a budget')
  .requiredOption('--scope <scope>', 'agent, team or tenant')
  .option('--target <name>', 'the agent id or team name (none for the tenant)')
  .requiredOption('--period <period>', 'day or month (UTC)')
  .requiredOption('--currency <code>', 'ISO 4217, e.g. EUR')
  .requiredOption('--limit <amount>', 'decimal, e.g. 500.00')
  .option('--threshold <amount>', 'spending above this needs approval')
  .option('--by <user>', BY)
  .action(async (options: Parameters<Awaited<ReturnType<typeof budgets>>['createBudgetCommand']>[0]) => print(await (await budgets()).createBudgetCommand(options)));
budgetCmd
  .command('change <budgetId>')
  .description('change a budget’s limit or approval threshold')
  .option('--limit <amount>')
  .option('--threshold <amount>')
  .option('--no-threshold', 'remove the approval threshold')
  .option('--by <user>', BY)
  .action(async (id: string, options: { limit?: string; threshold?: string | false; by?: string }) => print(await (await budgets()).changeBudgetCommand(id, options)));
budgetCmd
  .command('delete <budgetId>')
  .description('delete a budget (refused while an action holds a reservation on it)')
  .option('--by <user>', BY)
  .action(async (id: string, options: { by?: string }) => print(await (await budgets()).deleteBudgetCommand(id, options)));

const slackCmd = program.command('slack').description('which Slack account decides as which Airlock user');
slackCmd
  .command('links')
  .description('every link')
  .action(async () => print(await (await lists()).listSlackLinksCommand()));
slackCmd
  .command('link <slack-user-id> <user>')
  .description('link a Slack account (U…) to an Airlock user (id or email)')
  .option('--by <user>', BY)
  .action(async (slackUserId: string, user: string, options: { by?: string }) => print(await (await slack()).linkSlackCommand(slackUserId, user, options)));
slackCmd
  .command('unlink <slack-user-id>')
  .description('remove a link')
  .option('--by <user>', BY)
  .action(async (slackUserId: string, options: { by?: string }) => print(await (await slack()).unlinkSlackCommand(slackUserId, options)));

program
  .command('pending')
  .description('approvals waiting for a decision, nearest deadline first')
  .action(async () => print(await (await lists()).pendingCommand()));
for (const decision of ['approve', 'deny'] as const) {
  const cmd = program.command(`${decision} <action-id>`);
  if (decision === 'deny') cmd.option('--feedback <text>', 'guidance returned to the agent’s model');
  cmd
    .description(`${decision} an action as the person named with --by (the workflow checks they may)`)
    .requiredOption('--by <user>', 'the approver (user id or email)')
    .option('--comment <text>')
    .option(
      '--args-hash <hash>',
      'the arguments you saw: their hash as pending shows it (12 characters) or whole; refused if they changed since (default: those of the open round)',
    )
    .action(async (actionId: string, options: { by: string; comment?: string; argsHash?: string; feedback?: string }) =>
      print(await (await decisions()).decideCommand(decision, actionId, options)),
    );
}
program
  .command('compensation <action-id>')
  .description('answer a plan’s failed compensation: retry it, or record it fixed by hand')
  .requiredOption('--step <n>', 'the plan step, from 1')
  .requiredOption('--resolution <r>', 'retry or resolved_manually')
  .requiredOption('--by <user>', 'who decides (an admin; user id or email)')
  .option('--comment <text>')
  .action(async (actionId: string, options: { step: string; resolution: string; by: string; comment?: string }) =>
    print(await (await decisions()).resolveCompensationCommand(actionId, options)),
  );

program
  .command('mcp')
  .description('MCP gateway: upstream MCP servers behind Airlock (stdio; --http for Streamable HTTP); docs/MCP.md')
  .option('--config <file>', 'gateway config (JSON); default AIRLOCK_MCP_CONFIG')
  .option('--http', 'serve Streamable HTTP (agents send their key as a Bearer token) instead of stdio (key in AIRLOCK_API_KEY)')
  .option('--port <n>', 'HTTP port (default: the config’s http.port)')
  .action(async (options: { config?: string; http?: boolean; port?: string }) => (await mcp()).mcpCommand(options));
program
  .command('hook')
  .description('coding-agent hooks that route tool calls through Airlock (docs/CODING-AGENTS.md)')
  .command('claude-code')
  .description('Claude Code PreToolUse/PostToolUse hook: hook JSON on stdin, the decision on stdout (AIRLOCK_URL, AIRLOCK_API_KEY)')
  .option('--wait <seconds>', 'how long to wait for a person before refusing (keep under the hook timeout in settings.json)', '540')
  .action(async (options: { wait: string }) => (await hooks()).claudeCodeHookCommand(options));

const webhookCmd = program.command('webhooks').description('signed outbound webhooks (Standard Webhooks) for the action lifecycle');
webhookCmd
  .command('add <url>')
  .description('subscribe a URL; prints its signing secret once')
  .option('--events <list>', 'comma-separated event types, e.g. action.executed,action.failed (default: all)')
  .option('--description <text>', 'a note for operators')
  .option('--by <user>', BY)
  .action(async (url: string, options: { events?: string; description?: string; by?: string }) => print(await (await webhooks()).addWebhookCommand(url, options)));
webhookCmd
  .command('list')
  .description('every subscription, never its secret')
  .action(async () => print(await (await webhooks()).listWebhooksCommand()));
webhookCmd
  .command('remove <webhook-id>')
  .description('stop sending to a subscription; its queued deliveries are cancelled')
  .option('--by <user>', BY)
  .action(async (id: string, options: { by?: string }) => print(await (await webhooks()).removeWebhookCommand(id, options)));
webhookCmd
  .command('deliveries')
  .description('the delivery log, newest first')
  .option('--webhook <id>', 'one subscription')
  .option('--status <status>', 'pending, delivered, failed or cancelled')
  .option('--event <id>', 'one event, by the webhook-id header a receiver saw (evt_<seq>_<n>, ckpt_<n>)')
  .option('--limit <n>', 'how many (default 100)')
  .action(async (options: { webhook?: string; status?: string; event?: string; limit?: string }) => print(await (await webhooks()).deliveriesCommand(options)));
webhookCmd
  .command('replay <delivery-id>')
  .description('send a delivered or failed event again (same webhook-id)')
  .option('--by <user>', BY)
  .action(async (id: string, options: { by?: string }) => print(await (await webhooks()).replayCommand(id, options)));

/**
 * Claude Code runs a tool call on any exit of its hook but 2, which blocks it: a hook that fails before it can
 * answer (an option it does not know, say) must block, not let the call through unrecorded.
 */
const HOOK_BLOCKS = 2;
const isHook = process.argv[2] === 'hook';

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else if (error instanceof EnvError) {
    // One line per problem (each variable not set, then any other bad setting), each marked as ours.
    console.error(error.message.replace(/^/gm, 'airlock: '));
    process.exitCode = 1;
  } else if (error instanceof CliError) {
    console.error(`airlock: ${error.message}`);
    process.exitCode = 1;
  } else {
    console.error(`airlock: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
if (isHook && process.exitCode !== undefined && process.exitCode !== 0) process.exitCode = HOOK_BLOCKS;
