// Federation with real upstreams, driven by the official SDK client through the gateway:
// server-everything over stdio (a child of the gateway) and over Streamable HTTP, and
// server-memory over stdio. Namespaced listing across pages, calls, a resource read, a
// prompt, completion, and the pass-through of progress, sampling, elicitation and roots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { startGateway, repoRoot } from './lib/gateway.mjs';
import { everythingStdio, memoryStdio, startEverythingHttp } from './lib/peers.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgegw-fed-'));
const smallPages = path.join(tmp, 'small-pages.toml');
fs.writeFileSync(smallPages, '[server]\nlog_level = "warning"\n[catalog]\npacks = ["core"]\npage_size = 7\n');

let web;
let gw;
let client;
let listChanged = 0;

before(async () => {
  web = await startEverythingHttp();
  gw = await startGateway(['--config', smallPages,
    '--upstream', `everything=${everythingStdio}`,
    '--upstream', `memory=${memoryStdio}`,
    '--upstream', `web=${web.url}`],
  { env: { MEMORY_FILE_PATH: path.join(tmp, 'memory.jsonl') } });
  client = new Client({ name: 'federation-test', version: '1.0.0' },
    { capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } } });
  client.setRequestHandler(CreateMessageRequestSchema, async (req) => ({
    model: 'test-model', role: 'assistant',
    content: { type: 'text', text: `sampled:${req.params.messages[0].content.text}` },
  }));
  client.setRequestHandler(ElicitRequestSchema, async () => ({
    action: 'accept', content: { name: 'Edge', color: 'blue' },
  }));
  client.setRequestHandler(ListRootsRequestSchema, async () => ({
    roots: [{ uri: 'file:///srv/edge', name: 'edge-root' }],
  }));
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => { listChanged += 1; });
  await client.connect(new StreamableHTTPClientTransport(new URL(gw.url)));
});

after(async () => {
  await client?.close();
  const exit = await gw?.stop();  // everything stops before anything is asserted
  await web?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
  if (gw) assert.equal(exit, 0, `gateway did not exit cleanly:\n${gw.log()}`);
});

// Every tool, following nextCursor (page_size is 7, so this crosses upstream boundaries).
async function allTools() {
  const names = [];
  let cursor;
  let pages = 0;
  do {
    const page = await client.listTools(cursor ? { cursor } : {});
    names.push(...page.tools.map((t) => t.name));
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor);
  return { names, pages };
}

// server-everything registers its client-capability tools after the handshake and says so
// with list_changed; the gateway refreshes and tells us. Wait for that (or see it done).
async function toolsIncluding(name) {
  for (let i = 0; i < 50; i += 1) {
    const { names } = await allTools();
    if (names.includes(name)) return names;
    await new Promise((resolve) => {
      const seen = listChanged;
      const check = setInterval(() => { if (listChanged !== seen) { clearInterval(check); resolve(); } }, 20);
      setTimeout(() => { clearInterval(check); resolve(); }, 500);
    });
  }
  throw new Error(`${name} never appeared`);
}

test('lists every upstream namespaced, across pages, with no duplicates', async () => {
  const names = await toolsIncluding('everything__trigger-sampling-request');
  const { pages } = await allTools();
  assert.ok(pages > 3, `expected several pages, got ${pages}`);
  assert.equal(new Set(names).size, names.length, 'a tool was listed twice');
  for (const n of ['echo', 'time_now', 'everything__echo', 'everything__get-sum', 'web__echo',
    'memory__create_entities', 'memory__read_graph']) {
    assert.ok(names.includes(n), `${n} missing from ${names.join(', ')}`);
  }
});

test('calls go to their owner and say where they ran', async () => {
  const echo = await client.callTool({ name: 'everything__echo', arguments: { message: 'via stdio' } });
  assert.equal(echo.content[0].text, 'Echo: via stdio');
  assert.deepEqual(echo._meta['io.edgegw/route'], { route: 'cloud', target: 'everything', reason: 'owner' });

  const sum = await client.callTool({ name: 'web__get-sum', arguments: { a: 2, b: 40 } });
  assert.match(sum.content[0].text, /42/);
  assert.equal(sum._meta['io.edgegw/route'].target, 'web');

  const local = await client.callTool({ name: 'echo', arguments: { text: 'local' } });
  assert.equal(local.content[0].text, 'local');

  await client.callTool({
    name: 'memory__create_entities',
    arguments: { entities: [{ name: 'edgegw', entityType: 'gateway', observations: ['federates'] }] },
  });
  const graph = await client.callTool({ name: 'memory__read_graph', arguments: {} });
  assert.match(graph.content[0].text, /edgegw/);

  // An upstream's own error comes back as its error, not ours.
  await assert.rejects(client.callTool({ name: 'everything__no-such-tool', arguments: {} }), /no-such-tool/);
});

test('resources are read through their namespaced URI', async () => {
  const { resources } = await client.listResources();
  const mine = resources.find((r) => r.uri.startsWith('everything+'));
  assert.ok(mine, 'no everything+ resource listed');
  const read = await client.readResource({ uri: mine.uri });
  assert.equal(read.contents[0].uri, mine.uri);
  const { resourceTemplates } = await client.listResourceTemplates();
  assert.ok(resourceTemplates.some((t) => t.uriTemplate.startsWith('web+')));
});

test('prompts and completion reach their owner', async () => {
  const prompt = await client.getPrompt({ name: 'everything__simple-prompt' });
  assert.ok(prompt.messages.length > 0);
  assert.equal(prompt._meta['io.edgegw/route'].target, 'everything');
  const { prompts } = await client.listPrompts();
  const withCompletion = prompts.find((p) => p.name === 'everything__completable-prompt');
  assert.ok(withCompletion, 'everything__completable-prompt is not listed');
  const done = await client.complete({
    ref: { type: 'ref/prompt', name: withCompletion.name },
    argument: { name: withCompletion.arguments[0].name, value: '' },
  });
  assert.ok(done.completion.values.length > 0);
});

test('progress, sampling, elicitation and roots pass through to this client', async () => {
  const progress = [];
  const long = await client.callTool(
    { name: 'web__trigger-long-running-operation', arguments: { duration: 0.2, steps: 3 } },
    undefined, { onprogress: (p) => progress.push(p.progress) },
  );
  assert.match(long.content[0].text, /completed/i);
  assert.deepEqual(progress, [1, 2, 3]);

  const sampled = await client.callTool({ name: 'everything__trigger-sampling-request', arguments: { prompt: 'hi' } });
  assert.match(JSON.stringify(sampled.content), /sampled:/);

  const elicited = await client.callTool({ name: 'web__trigger-elicitation-request', arguments: {} });
  assert.match(JSON.stringify(elicited.content), /accept/);

  const roots = await client.callTool({ name: 'everything__get-roots-list', arguments: {} });
  assert.match(JSON.stringify(roots.content), /edge-root/);
});
