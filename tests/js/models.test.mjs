// The local model engine over MCP with the official SDK client: the `generate` tool (tokens
// streamed as progress, the same text as `edgegw generate`, the output cache, cancellation
// that stops generating), model metadata as resources, bad arguments, and upstream
// sampling/createMessage answered by the gateway's own model (server-everything asks).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { edgegwBinary, startGateway } from './lib/gateway.mjs';
import { everythingJs } from './lib/peers.mjs';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'edgegw-models-'));
const bin = edgegwBinary();
let gw;
let client;

function synth(file, ...shape) {
  execFileSync(bin, ['model', 'synth', '--out', file, ...shape], { stdio: 'ignore' });
}

before(async () => {
  fs.mkdirSync(path.join(home, 'var', 'models'), { recursive: true });
  synth(path.join(home, 'var', 'models', 'tiny.gguf'), '--type', 'q8_0', '--vocab', '1000', '--ctx', '512');
  // Big enough that 4000 tokens take a while: cancellation must stop it early.
  synth(path.join(home, 'var', 'models', 'slow.gguf'), '--type', 'q4_0', '--layers', '4', '--dim', '256',
    '--heads', '8', '--kv-heads', '2', '--ff', '512', '--vocab', '2000', '--ctx', '4096');
  fs.writeFileSync(path.join(home, 'gw.toml'), [
    '[models]', 'sampling_model = "tiny"', 'context = 4096',
    '[[upstream]]', 'name = "everything"',
    `command = [${JSON.stringify(process.execPath)}, ${JSON.stringify(everythingJs)}, "stdio"]`, '',
  ].join('\n'));
  gw = await startGateway(['-c', 'gw.toml'], { cwd: home });
  client = new Client({ name: 'models-test', version: '1.0.0' });  // declares no sampling
  await client.connect(new StreamableHTTPClientTransport(new URL(gw.url)));
});

after(async () => {
  await client?.close();
  await gw?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

async function metric(name) {
  const text = await (await fetch(new URL('/metrics', gw.url))).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.split(' ').pop()) : 0;
}

test('generate streams tokens as progress and matches the command line', async () => {
  const pieces = [];
  const result = await client.callTool(
    { name: 'generate', arguments: { prompt: 'the world', model: 'tiny', max_tokens: 24, temperature: 0 } },
    CallToolResultSchema, { onprogress: (p) => pieces.push(p) });
  assert.equal(result.isError, undefined);
  const out = result.structuredContent;
  assert.equal(out.model, 'tiny');
  assert.equal(out.completion_tokens, 24);
  assert.equal(out.stop_reason, 'length');
  assert.equal(pieces.length, 24);
  assert.deepEqual(pieces.map((p) => p.progress), Array.from({ length: 24 }, (_, i) => i + 1));
  assert.equal(pieces.map((p) => p.message ?? '').join(''), out.text);
  const cli = JSON.parse(execFileSync(bin, ['generate', '--model', path.join(home, 'var', 'models', 'tiny.gguf'),
    '--prompt', 'the world', '-n', '24', '--temp', '0', '--json'], { encoding: 'utf8' }));
  assert.equal(cli.text, out.text);

  const again = await client.callTool({ name: 'generate', arguments: { prompt: 'the world', model: 'tiny', max_tokens: 24, temperature: 0 } });
  assert.equal(again.structuredContent.cached, true);
  assert.equal(again.structuredContent.text, out.text);
  // A seed repeats a sampled text too.
  const seeded = { prompt: 'hello', model: 'tiny', max_tokens: 16, temperature: 1, seed: 7 };
  const s1 = await client.callTool({ name: 'generate', arguments: seeded });
  const s2 = await client.callTool({ name: 'generate', arguments: { ...seeded, top_k: 0 } });  // not cached
  assert.equal(s2.structuredContent.cached, false);
  const s3 = await client.callTool({ name: 'generate', arguments: seeded });
  assert.equal(s3.structuredContent.cached, true);
  assert.equal(s3.structuredContent.text, s1.structuredContent.text);
});

test('cancelling a generation stops it, and the engine serves the next request', async () => {
  const cancelledBefore = await metric('edgegw_model_requests_total{outcome="cancelled"}');
  const tokensBefore = await metric('edgegw_model_tokens_total');
  const abort = new AbortController();
  let seen = 0;
  const call = client.callTool(
    { name: 'generate', arguments: { prompt: 'a long story', model: 'slow', max_tokens: 4000, temperature: 0 } },
    CallToolResultSchema,
    { signal: abort.signal, onprogress: () => { if (++seen === 5) abort.abort(); } });
  await assert.rejects(call, /abort/i);
  // The next request queues behind the cancelled one on the engine thread; when it is
  // answered, the cancelled one has ended.
  const next = await client.callTool({ name: 'generate', arguments: { prompt: 'x', model: 'tiny', max_tokens: 4, temperature: 0 } });
  assert.equal(next.structuredContent.completion_tokens, 4);
  assert.equal(await metric('edgegw_model_requests_total{outcome="cancelled"}'), cancelledBefore + 1);
  const generated = (await metric('edgegw_model_tokens_total')) - tokensBefore;
  assert.ok(generated < 4000, `the cancelled generation ran on: ${generated} tokens`);
});

test('the loaded models\' memory is a gauge', async () => {
  // tiny was loaded by the generations above.
  assert.ok(await metric('edgegw_model_resident_bytes') > 0);
});

test('models are resources with their shape', async () => {
  const { resources } = await client.listResources();
  const uris = resources.map((r) => r.uri);
  assert.ok(uris.includes('edgegw://models/tiny') && uris.includes('edgegw://models/slow'), uris.join(' '));
  const read = await client.readResource({ uri: 'edgegw://models/slow' });
  const info = JSON.parse(read.contents[0].text);
  assert.equal(info.type, 'Q4_0');
  assert.equal(info.kv_heads, 2);
  assert.equal(info.layers, 4);
});

test('bad arguments get clear errors', async () => {
  const unknown = await client.callTool({ name: 'generate', arguments: { prompt: 'x', model: 'nope' } });
  assert.equal(unknown.isError, true);
  assert.match(unknown.content[0].text, /no local model named 'nope' \(have: slow, tiny\)/);
  const badP = await client.callTool({ name: 'generate', arguments: { prompt: 'x', top_p: 0 } });
  assert.equal(badP.isError, true);
  assert.match(badP.content[0].text, /top_p/);
  const noPrompt = await client.callTool({ name: 'generate', arguments: { max_tokens: 3 } });
  assert.equal(noPrompt.isError, true);
  assert.match(noPrompt.content[0].text, /prompt/);
});

test("an upstream's sampling request is answered by the local model", async () => {
  const r = await client.callTool({ name: 'everything__trigger-sampling-request', arguments: { prompt: 'hello there', maxTokens: 8 } });
  assert.notEqual(r.isError, true);
  const text = r.content[0].text;
  assert.match(text, /"model": "tiny"/);
  assert.match(text, /"stopReason": "maxTokens"/);
});
