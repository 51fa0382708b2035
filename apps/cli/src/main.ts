import { Command, CommanderError } from 'commander';
import { EnvError } from '@airlock/core/env';
import { CliError, policyCheck, policyTest } from './policy-commands.js';

// Operational commands load the database and Temporal client only when used: policy commands work offline.
const ops = () => import('./ops-commands.js');
const accounts = () => import('./user-commands.js');

const program = new Command('airlock').description('Operate Airlock: policies, the kill switch, standing approvals, console users.').exitOverride();

const policy = program.command('policy').description('lint and dry-run policy files');
policy.command('check <file>').description('compile and type-check a policy file').action((file: string) => console.log(policyCheck(file)));
policy
  .command('test <file> <requests>')
  .description('classify each sample request in a JSON array and print a table')
  .action(async (file: string, requests: string) => console.log(await policyTest(file, requests)));

const scopeOptions = (cmd: Command) => cmd.option('--agent <id>', 'one agent').option('--team <name>', 'every agent of a team').option('--tenant', 'every agent');
scopeOptions(program.command('suspend').description('kill switch: deny new actions and cancel live ones'))
  .requiredOption('--reason <text>', 'why (shown to agents and in the audit log)')
  .requiredOption('--by <user>', 'who is pulling the switch')
  .action(async (options: Parameters<Awaited<ReturnType<typeof ops>>['suspendCommand']>[0]) => console.log(await (await ops()).suspendCommand(options)));
scopeOptions(program.command('resume').description('lift the kill switch'))
  .requiredOption('--by <user>', 'who lifts it')
  .action(async (options: Parameters<Awaited<ReturnType<typeof ops>>['resumeCommand']>[0]) => console.log(await (await ops()).resumeCommand(options)));
program.command('suspensions').description('list active kill switches').action(async () => console.log(await (await ops()).suspensionsCommand()));

program
  .command('grant')
  .description('grant a standing approval')
  .requiredOption('--agent <id>', 'agent')
  .requiredOption('--tool <name>', 'tool')
  .option('--condition <cel>', 'CEL over args', 'true')
  .requiredOption('--reason <text>', 'why')
  .requiredOption('--by <user>', 'approver granting it')
  .option('--hours <n>', 'valid for', '24')
  .option('--uses <n>', 'maximum uses', '10')
  .action(async (options: Parameters<Awaited<ReturnType<typeof ops>>['grantCommand']>[0]) => console.log(await (await ops()).grantCommand(options)));
program.command('grants').description('list active standing approvals').option('--agent <id>').action(async (options: { agent?: string }) => console.log(await (await ops()).grantsCommand(options)));
program
  .command('revoke <grantId>')
  .description('revoke a standing approval at once')
  .requiredOption('--by <user>', 'who revokes it')
  .action(async (id: string, options: { by: string }) => console.log(await (await ops()).revokeCommand(id, options)));

const users = program.command('users').description('console accounts: one-time passwords, shown once, replaced at the first sign-in');
users
  .command('add')
  .description('create a user and print a one-time password')
  .requiredOption('--email <address>', 'their email address (their sign-in name)')
  .requiredOption('--role <role>', 'viewer, approver or admin')
  .option('--name <text>', 'display name (default: the part of the email before @)')
  .option('--id <id>', 'user id (default: from the email)')
  .option('--by <user>', 'who is adding them, for the audit log (default: your OS account)')
  .action(async (options: Parameters<Awaited<ReturnType<typeof accounts>>['addUserCommand']>[0]) => console.log(await (await accounts()).addUserCommand(options)));
users
  .command('reset-password <user>')
  .description('replace a user’s password (by id or email) with a new one-time password; ends their password sessions')
  .option('--by <user>', 'who is resetting it, for the audit log (default: your OS account)')
  .action(async (user: string, options: { by?: string }) => console.log(await (await accounts()).resetPasswordCommand(user, options)));

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else if (error instanceof CliError || error instanceof EnvError) {
    console.error(`airlock: ${error.message}`);
    process.exitCode = 1;
  } else {
    console.error(`airlock: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
