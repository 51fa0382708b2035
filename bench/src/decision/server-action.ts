import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { consoleDir } from '../console-scale/console-server.js';
import { THIS_TREE, type ChannelVariant, type DecisionChannel } from './channel.js';

const DECIDE_SOURCE = 'src/ui/actions/decision-actions.ts';

/** The id `next build` gave the console's `decide` server action (from the build's server reference manifest). */
export async function decideActionId(dir = consoleDir): Promise<string> {
  const manifest = JSON.parse(await readFile(path.join(dir, '.next/server/server-reference-manifest.json'), 'utf8')) as {
    node: Record<string, { filename?: string; exportedName?: string }>;
  };
  const id = Object.entries(manifest.node).find(([, entry]) => entry.filename === DECIDE_SOURCE && entry.exportedName === 'decide')?.[0];
  if (!id) throw new Error(`no server action "decide" from ${DECIDE_SOURCE} in the console build`);
  return id;
}

/**
 * The request the approver's browser sends when the decision form calls
 * `decide(idle, form)`: a POST to the action's page with the `Next-Action`
 * header and the arguments as React's encodeReply writes them (the FormData's
 * fields under the prefix `_1_`, the argument list in field `0`, where `$K1`
 * refers to that FormData). The session cookie and the Origin header are what
 * the action's own guard checks.
 */
export function serverActionChannel(consoleUrl: string, cookie: string, actionId: string, variant: ChannelVariant = THIS_TREE): DecisionChannel {
  return {
    key: `serverAction${variant.key}`,
    label: `console server action decide (next start)${variant.label}`,
    short: `server action${variant.label}`,
    ...(variant.baseline ? { baseline: true } : {}),
    prepare:
      async ({ actionId: id, argsHash }) =>
      async () => {
        const body = new FormData();
        for (const [name, value] of Object.entries({ comment: '', feedback: '', decision: 'approve', actionId: id, argsHash })) body.append(`_1_${name}`, value);
        body.append('0', JSON.stringify([{ kind: 'idle', message: '' }, '$K1']));
        const response = await fetch(`${consoleUrl}/actions/${id}`, {
          method: 'POST',
          headers: { 'next-action': actionId, accept: 'text/x-component', origin: consoleUrl, cookie },
          body,
        });
        const text = await response.text();
        // The action answers 200 with its Notice in the RSC stream, also when it refused.
        if (response.status !== 200 || !text.includes('"kind":"ok"')) throw new Error(`server action decide: HTTP ${response.status} ${text.slice(0, 500)}`);
      },
  };
}
