import { defaultActivityDeps } from '@airlock/activities';
import { postAction, postDecision, schemas, type ApiContext } from '@airlock/console';
import { createAgent, createApiKey } from '@airlock/db';
import { DEFAULT_POLICY_FILE, PolicyStore } from '@airlock/policy/files';
import { builtinTools } from '@airlock/tools';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editCheck } from '../../../apps/console/src/ui/actions/edit-check.js';
import { apiRequest, expectError, expectJson, useApiHarness, waitForActionStatus } from './client.js';

// An approver's edit was checked against the tool's schema only for the demo tools: an edit that broke a built-in
// tool's (shell.exec's command as a string) was sent, and the workflow's review refused it (409, an
// approval.edit_rejected row), while the console's live check said "Valid for the tool's schema.". Now every
// shipped tool's schema is asked first, as the policy dry run asks it: a 400 naming the field, nothing sent.

const { h, ctx, keys } = useApiHarness({ deps: (db) => defaultActivityDeps(db, new PolicyStore(DEFAULT_POLICY_FILE), builtinTools({ shell: {} })) });
let opsKey: string;

// The console's server code reads the process-wide context; here it is this harness's (restored after).
const holder = globalThis as typeof globalThis & { airlockApiContext?: ApiContext };
let previousContext: ApiContext | undefined;
beforeAll(async () => {
  await createAgent(h.db, { id: 'ops-bot', team: 'ops', ownerId: 'owner', allowedTools: ['shell.*'] });
  opsKey = (await createApiKey(h.db, { agentId: 'ops-bot' })).key;
  previousContext = holder.airlockApiContext;
  holder.airlockApiContext = ctx;
});
afterAll(() => {
  holder.airlockApiContext = previousContext;
});

describe('an approver’s edit of a built-in tool', () => {
  it('breaking shell.exec’s schema is a 400 naming editedArgs.command, nothing sent; the console’s live check says so too', async () => {
    const body = { tool: 'shell.exec', args: { command: ['ls', '-la'] }, rationale: 'List the scratch directory.', idempotencyKey: 'edit-shell-1' };
    const { actionId, argsHash } = await expectJson(postAction(apiRequest('/api/v1/actions', { key: opsKey, body }), ctx), 202, schemas.SubmittedActionView);
    await waitForActionStatus(ctx, keys.alice, actionId, ['awaiting_approval']);

    const edit = { decision: 'approve', argsHash, editedArgs: { command: 'rm -rf /' } };
    const refused = await expectError(
      postDecision(apiRequest(`/api/v1/actions/${actionId}/decisions`, { key: keys.alice, body: edit }), ctx, { id: actionId }),
      400,
      'invalid_request',
    );
    expect(refused.issues?.[0]?.path).toBe('editedArgs.command');
    expect(await h.db.prisma.auditEvent.count({ where: { actionId, type: 'approval.edit_rejected' } })).toBe(0);
    expect(await h.db.prisma.approvalDecision.count({ where: { approval: { actionId } } })).toBe(0);

    const live = await editCheck(actionId, JSON.stringify(edit.editedArgs));
    expect(live.kind).toBe('error');
    expect(live.message).toMatch(/editedArgs\.command/);
    // A valid edit is still valid.
    expect(await editCheck(actionId, JSON.stringify({ command: ['ls'] }))).toMatchObject({ kind: 'ok', message: 'Valid for the tool’s schema.' });
  });
});
