import { mintKey, revokeKey, rotateKey, type MintedKey } from '@airlock/ops/keys';
import { runUseCase } from '@airlock/ops/use-case';
import { CliError } from './cli-error.js';
import { cliOperator, withDb } from './runtime.js';
import { isoTimeOption } from './times.js';

// `airlock keys ...`: API keys for agents and people. A secret is printed once; only its hash is kept.

function shown(headline: string, minted: MintedKey): string {
  return [headline, `key: ${minted.secret}`, 'Shown only once; only its hash is stored. Keep it in your secret store.'].join('\n');
}

export async function mintKeyCommand(options: { agent?: string; user?: string; name?: string; expires?: string; by?: string }): Promise<string> {
  if (Boolean(options.agent) === Boolean(options.user)) throw new CliError('name exactly one owner: --agent <id> or --user <user>');
  const expires = isoTimeOption('--expires', options.expires);
  return withDb(async (db) => {
    const minted = await runUseCase({ db }, await cliOperator(db, options.by), mintKey, {
      ...(options.agent ? { agentId: options.agent } : { userId: options.user }),
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...(expires !== undefined ? { expiresAt: expires } : {}),
    });
    const owner = minted.key.agentId ? `agent ${minted.key.agentId}` : `user ${minted.key.userId}`;
    return shown(`minted key ${minted.key.id} (${minted.key.prefix}…) for ${owner}${minted.key.expiresAt ? `, expires ${minted.key.expiresAt.toISOString()}` : ''}`, minted);
  });
}

export async function rotateKeyCommand(id: string, options: { expires?: string; by?: string }): Promise<string> {
  const expires = isoTimeOption('--expires', options.expires);
  return withDb(async (db) => {
    const minted = await runUseCase({ db }, await cliOperator(db, options.by), rotateKey, { id, ...(expires !== undefined ? { expiresAt: expires } : {}) });
    return shown(`revoked key ${id}; its replacement is ${minted.key.id} (${minted.key.prefix}…)`, minted);
  });
}

export async function revokeKeyCommand(id: string, options: { by?: string }): Promise<string> {
  return withDb(async (db) => {
    const { key, changed } = await runUseCase({ db }, await cliOperator(db, options.by), revokeKey, { id });
    return changed ? `revoked key ${key.id} (${key.prefix}…); it is refused from the next request on` : `key ${key.id} was already revoked`;
  });
}
