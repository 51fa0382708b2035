// A stdio MCP upstream for gateway-upstream-answers.test.ts: each call appends its tool's name to RUNS_FILE (the
// side effect happened), then answers as an upstream may after running:
// - echo: declares an outputSchema but answers with text only (no structuredContent);
// - fail: answers the call with a JSON-RPC error;
// - sleep: exits before answering (the connection drops mid-call).
import { appendFileSync } from 'node:fs';
import process from 'node:process';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const server = new Server({ name: 'upstream-answers', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, () => ({
  tools: [
    { name: 'echo', inputSchema: { type: 'object' }, outputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } },
    { name: 'fail', inputSchema: { type: 'object' } },
    { name: 'sleep', inputSchema: { type: 'object' } },
  ],
}));
server.setRequestHandler(CallToolRequestSchema, (request) => {
  const { name } = request.params;
  appendFileSync(process.env.RUNS_FILE, `${name}\n`);
  if (name === 'fail') throw new Error('card declined');
  if (name === 'sleep') process.exit(1);
  return { content: [{ type: 'text', text: 'sent, id tr_1' }] };
});
await server.connect(new StdioServerTransport());
