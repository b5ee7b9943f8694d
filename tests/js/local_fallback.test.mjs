// The local model engine as a route target of its own (issue 13), with the official SDK
// client and real peers: a device gateway with [[route]] generate = ["local", "cloud"] runs
// generation on its own models, and passes it to the cloud (a second edgegw with models of
// its own) when the device cannot take it: no such model, a model over the memory budget, a
// prompt longer than the model's context, the engine busy past fallback_wait_ms. The result's
// _meta and /metrics say where it ran and why.
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

const bin = edgegwBinary();
const cloudHome = fs.mkdtempSync(path.join(os.tmpdir(), 'edgegw-cloud-'));
const deviceHome = fs.mkdtempSync(path.join(os.tmpdir(), 'edgegw-device-'));
let cloud;
let device;
let client;

function synth(file, ...shape) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  execFileSync(bin, ['model', 'synth', '--out', file, ...shape], { stdio: 'ignore' });
}

before(async () => {
  // The cloud has every model, with room to spare.
  const cloudModels = path.join(cloudHome, 'var', 'models');
  synth(path.join(cloudModels, 'tiny.gguf'), '--vocab', '1000', '--ctx', '512');
  synth(path.join(cloudModels, 'big.gguf'), '--layers', '4', '--dim', '512', '--ff', '1024', '--vocab', '2000');
  synth(path.join(cloudModels, 'other.gguf'), '--vocab', '1000');
  fs.writeFileSync(path.join(cloudHome, 'gw.toml'), '[server]\nlog_level = "error"\n');
  cloud = await startGateway(['-c', 'gw.toml'], { cwd: cloudHome });

  // The device: tiny with a 64-token context, big (over 12 MB) over an 8 MiB budget, no
  // 'other', and a slow model (about 5 MB with its KV cache) to keep the engine busy.
  const deviceModels = path.join(deviceHome, 'var', 'models');
  synth(path.join(deviceModels, 'tiny.gguf'), '--vocab', '1000', '--ctx', '64');
  synth(path.join(deviceModels, 'big.gguf'), '--layers', '4', '--dim', '512', '--ff', '1024', '--vocab', '2000');
  synth(path.join(deviceModels, 'slow.gguf'), '--type', 'q4_0', '--layers', '4', '--dim', '256',
    '--heads', '8', '--kv-heads', '2', '--ff', '512', '--vocab', '2000', '--ctx', '4096');
  fs.writeFileSync(path.join(deviceHome, 'gw.toml'), `
[server]
log_level = "error"
[models]
memory_budget_mb = 8
context = 4096
fallback_wait_ms = 0
[[upstream]]
name = "cloud"
url = "${cloud.url}"
retry_base_delay_ms = 5
retry_max_delay_ms = 20
[[route]]
tool = "generate"
chain = ["local", "cloud"]
`);
  device = await startGateway(['-c', 'gw.toml'], { cwd: deviceHome });
  client = new Client({ name: 'local-fallback-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(device.url)));
});

after(async () => {
  await client?.close();
  const exit = await device?.stop();  // everything stops before anything is asserted
  await cloud?.stop();
  fs.rmSync(cloudHome, { recursive: true, force: true });
  fs.rmSync(deviceHome, { recursive: true, force: true });
  if (device) assert.equal(exit, 0, device.log());
});

const route = (result) => result._meta?.['io.edgegw/route'];
const generate = (args, options) =>
  client.callTool({ name: 'generate', arguments: { max_tokens: 4, temperature: 0, ...args } },
    CallToolResultSchema, options);

async function counted(series) {
  const text = await (await fetch(`${device.base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`edgegw_route_decisions_total{${series}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

test('a model the device has runs on the device', async () => {
  const r = await generate({ prompt: 'hello', model: 'tiny' });
  assert.equal(r.isError, undefined, JSON.stringify(r));
  assert.deepEqual(route(r), { route: 'local', target: 'local', reason: "route 'generate'" });
});

test('a model the device does not have runs in the cloud', async () => {
  const failed = await counted('route="local",target="local",outcome="failed"');
  const r = await generate({ prompt: 'hello', model: 'other' });
  assert.equal(r.isError, undefined, JSON.stringify(r));
  assert.equal(r.structuredContent.model, 'other');
  assert.deepEqual(route(r), {
    route: 'cloud', target: 'cloud', reason: "fallback: local: no local model named 'other'" });
  assert.equal(await counted('route="local",target="local",outcome="failed"'), failed + 1);
  assert.ok(await counted('route="cloud",target="cloud",outcome="ok"') >= 1);
});

test('a model over the memory budget runs in the cloud', async () => {
  const r = await generate({ prompt: 'hello', model: 'big' });
  assert.equal(r.isError, undefined, JSON.stringify(r));
  assert.equal(route(r).route, 'cloud');
  assert.match(route(r).reason, /^fallback: local: model 'big' needs \d+ MiB with its context, more than the memory budget of 8 MiB$/);
});

test('a prompt longer than the model\'s context runs in the cloud', async () => {
  const prompt = Array.from({ length: 80 }, (_, i) => `w${i}`).join(' ');
  const r = await generate({ prompt, model: 'tiny' });
  assert.equal(r.isError, undefined, JSON.stringify(r));
  assert.equal(route(r).route, 'cloud');
  assert.match(route(r).reason, /^fallback: local: the prompt has \d+ tokens, more than the context of model 'tiny' \(64\)$/);
});

test('a call waiting for the busy engine goes to the cloud', async () => {
  // The first call holds the engine: its first token says it is generating.
  const controller = new AbortController();
  let started;
  const running = new Promise((resolve) => { started = resolve; });
  const long = generate({ prompt: 'a long one', model: 'slow', max_tokens: 4000 },
    { signal: controller.signal, onprogress: () => started() }).catch((e) => e);
  await Promise.race([running, long.then((r) => {
    throw new Error(`the long call ended before its first token: ${r.message ?? JSON.stringify(r)}`);
  })]);
  // fallback_wait_ms = 0: the second call passes as soon as the engine sees it waiting.
  const r = await generate({ prompt: 'hello', model: 'tiny' });
  assert.equal(r.isError, undefined, JSON.stringify(r));
  assert.deepEqual(route(r), {
    route: 'cloud', target: 'cloud', reason: 'fallback: local: the engine was busy for 0 ms' });
  controller.abort();
  await long;
});

test('without anywhere else to go, the device answers for itself', async () => {
  // The cloud gone, the chain's last target is spent: one error with both reasons.
  await cloud.stop();
  await assert.rejects(generate({ prompt: 'hello', model: 'other' }),
    /no target could run 'generate': local: no local model named 'other'; upstream 'cloud'/);
});
