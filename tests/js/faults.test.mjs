// Fault tests: what a client sees when an upstream fails, and that nothing leaks. The HTTP
// faults come from FaultyUpstream (a fake: real servers cannot fail on demand); the crash is
// a real server-everything child killed with SIGKILL mid-call.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startGateway } from './lib/gateway.mjs';
import { everythingJs } from './lib/peers.mjs';
import { startFaultyUpstream } from './lib/faulty_upstream.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgegw-faults-'));

function config(name, fakeUrl, { breaker = false } = {}) {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, `
[server]
log_level = "error"
[catalog]
packs = ["core"]
[[upstream]]
name = "faulty"
url = "${fakeUrl}"
timeout_seconds = 1
retry_base_delay_ms = 10
retry_max_delay_ms = 50
ping_interval_seconds = 0
breaker_window = 4
breaker_min_calls = ${breaker ? 4 : 1000}
breaker_failure_ratio = 0.5
breaker_cool_down_seconds = 1
[[upstream]]
name = "everything"
command = ["${process.execPath}", "${everythingJs}", "stdio"]
`);
  return file;
}

async function connect(url) {
  const client = new Client({ name: 'faults-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

// Descriptors and live children of a process, from /proc (children include zombies, so a
// child that was not reaped is counted).
function fdCount(pid) { return fs.readdirSync(`/proc/${pid}/fd`).length; }
function children(pid) {
  return fs.readdirSync(`/proc/${pid}/task`).flatMap((t) =>
    fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
}
async function metric(gw, line) {
  const text = await (await fetch(`${gw.base}/metrics`)).text();
  const m = text.split('\n').find((l) => l.startsWith(line));
  return m ? Number(m.split(' ').pop()) : undefined;
}
// Polls `condition` (a state change the gateway makes on its own, e.g. a reconnect).
async function until(condition, what, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
const call = (client, name, args = {}) => client.callTool({ name, arguments: args });

let fake;
let gw;
let client;
let baseline;

before(async () => {
  fake = await startFaultyUpstream();
  gw = await startGateway(['--config', config('main.toml', fake.url)]);
  client = await connect(gw.url);
  await call(client, 'faulty__work');
  await call(client, 'everything__echo', { message: 'warm' });
  baseline = { fds: fdCount(gw.child.pid), children: children(gw.child.pid).length };
  assert.equal(baseline.children, 1, 'one stdio child expected');
});

after(async () => {
  await client?.close();
  const exit = await gw?.stop();  // everything stops before anything is asserted
  await fake?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
  if (gw) assert.equal(exit, 0, `gateway did not exit cleanly:\n${gw.log()}`);
});

test('503 twice, then success: the call is retried and succeeds', async () => {
  fake.queue(503, 503, 'ok');
  const before = fake.seen.calls;
  const r = await call(client, 'faulty__work');
  assert.match(r.content[0].text, /^done/);
  assert.equal(fake.seen.calls - before, 3);
});

test('429 with Retry-After is honoured and retried', async () => {
  fake.queue(429, 'ok');
  const before = fake.seen.calls;
  const started = Date.now();
  const r = await call(client, 'faulty__work');
  assert.match(r.content[0].text, /^done/);
  assert.equal(fake.seen.calls - before, 2);
  assert.ok(Date.now() - started >= 900, 'Retry-After: 1 was not waited for');
});

test('500 is not retried and names the upstream', async () => {
  fake.queue(500);
  const before = fake.seen.calls;
  await assert.rejects(call(client, 'faulty__work'), (e) => {
    assert.match(e.message, /upstream 'faulty'/);
    assert.match(e.message, /HTTP 500/);
    return true;
  });
  assert.equal(fake.seen.calls - before, 1);
});

test('a call hung past its timeout fails clearly and is cancelled upstream', async () => {
  fake.queue('hang');
  const cancelled = fake.seen.cancelled;
  await assert.rejects(call(client, 'faulty__work'), /upstream 'faulty'.*in time/);
  // The cancellation travels to the upstream after the client's answer; wait for it.
  await until(() => fake.seen.cancelled - cancelled === 1, 'notifications/cancelled upstream');
});

test('an SSE stream dropped before the answer is resumed with Last-Event-ID', async () => {
  fake.queue('drop-resumable');
  const resumes = fake.seen.resumes;
  const r = await call(client, 'faulty__work');
  assert.equal(r.content[0].text, 'resumed');
  assert.equal(fake.seen.resumes - resumes, 1);
});

test('an SSE stream dropped with nothing to resume from fails clearly', async () => {
  fake.queue('drop');
  await assert.rejects(call(client, 'faulty__work'), /upstream 'faulty'.*stream broke/);
});

test('a stdio upstream killed mid-call: clear error, restarted, no zombie', async () => {
  const [pid] = children(gw.child.pid);
  let killed = false;
  const running = client.callTool(
    { name: 'everything__trigger-long-running-operation', arguments: { duration: 30, steps: 30 } },
    undefined,
    { onprogress: () => { if (!killed) { killed = true; process.kill(pid, 'SIGKILL'); } } },
  );
  await assert.rejects(running, /upstream 'everything'/);
  await until(async () => (await (await fetch(`${gw.base}/readyz`)).json()).upstreams.everything === 'ready',
    'everything to be restarted');
  const r = await call(client, 'everything__echo', { message: 'back' });
  assert.equal(r.content[0].text, 'Echo: back');
  const now = children(gw.child.pid);
  assert.equal(now.length, 1, `children: ${now}`);
  assert.notEqual(now[0], pid);
});

test('W3C traceparent goes upstream with the same trace and a new parent id', async () => {
  const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  await client.callTool({ name: 'faulty__work', arguments: {}, _meta: { traceparent: incoming } });
  const { header, meta } = fake.seen.traces.at(-1);
  assert.equal(header, meta);
  assert.match(header, /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
  assert.notEqual(header, incoming);
  await client.callTool({ name: 'faulty__work', arguments: {} });
  assert.deepEqual(fake.seen.traces.at(-1), { header: undefined, meta: undefined });
});

test('nothing leaked: descriptors, children and upstream sessions are back to baseline', async () => {
  await call(client, 'faulty__work');
  const fds = fdCount(gw.child.pid);
  assert.ok(fds <= baseline.fds + 2, `fds grew from ${baseline.fds} to ${fds}`);
  assert.equal(children(gw.child.pid).length, baseline.children);
  assert.equal(fake.seen.sessions.size, 1, 'the gateway holds one session on the fake upstream');
});

test('the breaker opens after its threshold and closes after a successful probe', async () => {
  const fake2 = await startFaultyUpstream();
  const gw2 = await startGateway(['--config', config('breaker.toml', fake2.url, { breaker: true })]);
  const c2 = await connect(gw2.url);
  try {
    fake2.setAlways(500);
    for (let i = 0; i < 4; i += 1) await assert.rejects(call(c2, 'faulty__work'), /HTTP 500/);
    const calls = fake2.seen.calls;
    await assert.rejects(call(c2, 'faulty__work'), /circuit breaker is open/);
    assert.equal(fake2.seen.calls, calls, 'an open breaker must not send');
    assert.equal(await metric(gw2, 'edgegw_upstream_breaker_state{upstream="faulty"}'), 1);

    fake2.setAlways('ok');
    // After the cool-down (1 s) one probe goes through; its success closes the breaker.
    await until(async () => {
      try { await call(c2, 'faulty__work'); return true; } catch (e) { return false; }
    }, 'the probe to succeed');
    assert.equal(await metric(gw2, 'edgegw_upstream_breaker_state{upstream="faulty"}'), 0);
    await call(c2, 'faulty__work');
  } finally {
    await c2.close();
    assert.equal(await gw2.stop(), 0);
    await fake2.stop();
  }
});
