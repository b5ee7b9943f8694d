// Router v1 with real peers: [[route]] chains local -> cloud -> error. The "cloud" is a second
// edgegw serving its core pack; stopping it shows the fallback. Every decision shows in the
// result's _meta and in /metrics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startGateway } from './lib/gateway.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgegw-routes-'));
let cloud;
let gw;
let client;

before(async () => {
  cloud = await startGateway([]);  // default packs: core and device
  const file = path.join(tmp, 'routes.toml');
  fs.writeFileSync(file, `
[server]
log_level = "error"
[catalog]
packs = ["core"]
[[upstream]]
name = "cloud"
url = "${cloud.url}"
retry_base_delay_ms = 5
retry_max_delay_ms = 20
# cloud first, the device's own echo when the cloud is gone
[[route]]
tool = "echo"
chain = ["cloud", "local"]
# this device has no system_info (no device pack): the cloud's answers
[[route]]
tool = "system_info"
chain = ["local", "cloud"]
`);
  gw = await startGateway(['--config', file]);
  client = new Client({ name: 'routing-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(gw.url)));
});

after(async () => {
  await client?.close();
  const exit = await gw?.stop();  // everything stops before anything is asserted
  await cloud?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
  if (gw) assert.equal(exit, 0, gw.log());
});

const route = (result) => result._meta['io.edgegw/route'];

async function decisions(outcome) {
  const text = await (await fetch(`${gw.base}/metrics`)).text();
  const out = {};
  for (const line of text.split('\n')) {
    const m = line.match(/^edgegw_route_decisions_total\{route="(\w+)",target="(\w+)",outcome="(\w+)"\} (\d+)/);
    if (m && m[3] === outcome) out[`${m[1]}:${m[2]}`] = Number(m[4]);
  }
  return out;
}

test('a routed name is listed even though only a prefixed upstream has it', async () => {
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  assert.ok(names.includes('system_info'), names.join(', '));
  assert.ok(names.includes('cloud__system_info'));
});

test('local first, cloud when local has no such tool', async () => {
  const r = await client.callTool({ name: 'system_info', arguments: {} });
  assert.ok(r.structuredContent.cpu_count > 0);
  assert.deepEqual(route(r), { route: 'cloud', target: 'cloud', reason: 'fallback: local: no such tool' });
});

test('cloud first while it is up, and the decision is counted', async () => {
  const r = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
  assert.equal(r.content[0].text, 'hi');
  assert.deepEqual(route(r), { route: 'cloud', target: 'cloud', reason: "route 'echo'" });
  assert.ok((await decisions('ok'))['cloud:cloud'] >= 1);
});

test('with the cloud gone, the chain falls back to local and says why', async () => {
  await cloud.stop();
  const r = await client.callTool({ name: 'echo', arguments: { text: 'still here' } });
  assert.equal(r.content[0].text, 'still here');
  assert.equal(route(r).route, 'local');
  assert.match(route(r).reason, /^fallback: upstream 'cloud'/);
  assert.ok((await decisions('ok'))['local:local'] >= 1);
});

test('a local call is counted with how it ended, not with whether the tool exists', async () => {
  const count = async (outcome) => (await decisions(outcome))['local:local'] ?? 0;
  const [ok, error] = [await count('ok'), await count('error')];
  // The cloud is gone: echo runs on the device, once with arguments its schema refuses.
  const bad = await client.callTool({ name: 'echo', arguments: { text: 42 } }).catch((e) => ({ rejected: e }));
  assert.ok(bad.rejected || bad.isError, JSON.stringify(bad));
  assert.equal(await count('error'), error + 1);
  assert.equal(await count('ok'), ok);
  await client.callTool({ name: 'echo', arguments: { text: 'fine' } });
  assert.equal(await count('ok'), ok + 1);
});

test('when every target fails the client gets one error naming each reason', async () => {
  await assert.rejects(client.callTool({ name: 'system_info', arguments: {} }),
    /no target could run 'system_info': local: no such tool; upstream 'cloud'/);
});
