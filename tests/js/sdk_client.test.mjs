// The official TypeScript SDK Client drives edgegw over Streamable HTTP and over stdio:
// lifecycle, tools (device and conformance packs), resources, prompts, completion, and a
// server-to-client sampling request answered by the client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { startGateway, configPath, edgegwBinary } from './lib/gateway.mjs';

function newClient() {
  const client = new Client({ name: 'edgegw-sdk-test', version: '1.0.0' }, { capabilities: { sampling: {} } });
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
    model: 'test-model',
    role: 'assistant',
    content: { type: 'text', text: `echo:${request.params.messages[0].content.text}` },
  }));
  return client;
}

async function exercise(client) {
  assert.equal(client.getServerVersion().name, 'edgegw-conformance');
  await client.ping();

  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  for (const n of ['echo', 'system_info', 'time_now', 'test_sampling']) assert.ok(names.includes(n), n);

  const echo = await client.callTool({ name: 'echo', arguments: { text: 'hello edge' } });
  assert.deepEqual(echo.content, [{ type: 'text', text: 'hello edge' }]);

  const info = await client.callTool({ name: 'system_info', arguments: {} });
  assert.ok(info.structuredContent.cpu_count > 0);
  assert.equal(typeof info.structuredContent.machine, 'string');

  const bad = await client.callTool({ name: 'echo', arguments: { text: 7 } });
  assert.equal(bad.isError, true);
  assert.match(bad.content[0].text, /\/text: must be string/);

  const sampled = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'ping' } });
  assert.equal(sampled.content[0].text, 'LLM response: echo:ping');

  const resource = await client.readResource({ uri: 'edgegw://device/info' });
  assert.equal(resource.contents[0].mimeType, 'application/json');
  assert.ok(JSON.parse(resource.contents[0].text).memory_total_bytes > 0);

  const prompt = await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'x', arg2: 'y' } });
  assert.match(prompt.messages[0].content.text, /arg1='x', arg2='y'/);

  const completion = await client.complete({
    ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' },
    argument: { name: 'arg1', value: 'pa' },
  });
  assert.deepEqual(completion.completion.values, ['paris', 'park', 'party']);

  await assert.rejects(client.callTool({ name: 'no_such_tool', arguments: {} }), /Unknown tool: no_such_tool/);
}

test('SDK client over Streamable HTTP', async () => {
  const gw = await startGateway(['--config', configPath('conformance.toml')]);
  const client = newClient();
  try {
    const transport = new StreamableHTTPClientTransport(new URL(gw.url));
    await client.connect(transport);
    assert.ok(transport.sessionId, 'the gateway issues Mcp-Session-Id');
    await exercise(client);
    await transport.terminateSession();
  } finally {
    await client.close();
    assert.equal(await gw.stop(), 0);
  }
});

test('SDK client over stdio', async () => {
  const client = newClient();
  const transport = new StdioClientTransport({
    command: edgegwBinary(),
    args: ['serve', '--stdio', '--config', configPath('conformance.toml')],
    stderr: 'pipe',
  });
  try {
    await client.connect(transport);
    await exercise(client);
  } finally {
    await client.close();
  }
});

test('many sessions at once, each isolated', async () => {
  const gw = await startGateway(['--config', configPath('conformance.toml')]);
  try {
    const clients = await Promise.all(Array.from({ length: 12 }, async (_, i) => {
      const client = newClient();
      await client.connect(new StreamableHTTPClientTransport(new URL(gw.url)));
      return { client, i };
    }));
    const results = await Promise.all(clients.map(({ client, i }) =>
      client.callTool({ name: 'echo', arguments: { text: `client-${i}` } })));
    results.forEach((r, i) => assert.equal(r.content[0].text, `client-${i}`));
    await Promise.all(clients.map(({ client }) => client.close()));
  } finally {
    assert.equal(await gw.stop(), 0);
  }
});
