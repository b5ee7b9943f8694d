// Crash test for the offline queue: 64 clients send queueable calls while the upstream is
// down, and the gateway is killed with SIGKILL several times mid-stream. After the last
// restart, with the upstream back, every call that had been acknowledged to its client (it
// got a task id) is delivered: each one's idempotency key reaches the upstream (which runs
// a key once, like an idempotent API), exactly once. Nothing acknowledged is lost; nothing
// runs twice. (The results belong to the sessions that made the calls, which the kills
// ended; a new session is told such a task does not exist.) The upstream is FaultyUpstream (a fake that
// counts runs per key).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startGateway, openSession, postHeaders } from './lib/gateway.mjs';
import { startFaultyUpstream, queueingGatewayConfig } from './lib/faulty_upstream.mjs';

const CLIENTS = 64;
const KILLS = 3;

async function callOnce(url, session, n, key) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { ...postHeaders, 'mcp-session-id': session },
    body: JSON.stringify({ jsonrpc: '2.0', id: n, method: 'tools/call',
      params: { name: 'cloud__work', arguments: { n }, _meta: { 'io.edgegw/idempotency-key': key } } }),
  });
  const body = await res.json();
  return body.result._meta['io.modelcontextprotocol/related-task'].taskId;
}

// One client: sends calls one after another until the gateway dies; returns what was acked.
async function client(url, id, acked, stop) {
  let session;
  try {
    session = await openSession(url);
  } catch {
    return;
  }
  for (let n = 0; !stop.now; n += 1) {
    const key = `c${id}-${process.hrtime.bigint()}-${n}`;
    try {
      const task = await callOnce(url, session, n, key);
      acked.push({ task, key });
    } catch {
      return;  // the gateway died under us: this call was not acknowledged
    }
  }
}

test('SIGKILL while 64 clients queue calls: every acknowledged call delivered exactly once', { timeout: 300000 }, async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'edgegw-crash-'));
  let fake = await startFaultyUpstream();
  const port = new URL(fake.url).port;
  const config = path.join(home, 'gw.toml');
  fs.writeFileSync(config, queueingGatewayConfig(fake.url, { logLevel: 'error', startupWait: 0 }));
  // Learn the cloud's tools once, then take it down.
  let gw = await startGateway(['--config', config], { cwd: home });
  await openSession(gw.url);
  assert.equal(await gw.stop(), 0);
  await fake.stop();

  const acked = [];
  for (let round = 0; round < KILLS; round += 1) {
    gw = await startGateway(['--config', config], { cwd: home });
    const stop = { now: false };
    const clients = Array.from({ length: CLIENTS }, (_, i) => client(gw.url, round * 1000 + i, acked, stop));
    const before = acked.length;
    // Kill it once calls are flowing (each round must acknowledge some before the kill).
    while (acked.length < before + 200) await new Promise((r) => setTimeout(r, 10));
    gw.child.kill('SIGKILL');
    await new Promise((r) => gw.child.once('exit', r));
    stop.now = true;
    await Promise.all(clients);
  }
  assert.ok(acked.length >= KILLS * 200, `only ${acked.length} calls were acknowledged`);

  // Back up: the last restart delivers everything that was acknowledged.
  fake = await startFaultyUpstream({ port });
  gw = await startGateway(['--config', config], { cwd: home });
  const session = await openSession(gw.url);
  const rpc = async (method, params) => {
    const res = await fetch(gw.url, { method: 'POST', headers: { ...postHeaders, 'mcp-session-id': session },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
    return res.json();
  };
  const deadline = Date.now() + 120000;
  for (const { key } of acked) {
    while (!fake.seen.runs.has(key)) {
      if (Date.now() > deadline) throw new Error(`key ${key} never reached the upstream`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  for (const { key } of acked) {
    // The upstream was down during every kill, so no delivery was ever cut short: each key
    // arrives exactly once (a redelivery after a crash would show here as 2).
    assert.equal(fake.seen.deliveries.get(key), 1, `key ${key} arrived ${fake.seen.deliveries.get(key)} times`);
  }
  // Their results stay with the sessions that made them, which the kills ended: a new
  // session is told the task does not exist (tasks belong to their creator).
  const stranger = await rpc('tasks/result', { taskId: acked[0].task });
  assert.equal(stranger.error?.code, -32602, JSON.stringify(stranger));
  const twice = [...fake.seen.deliveries.entries()].filter(([, n]) => n !== 1);
  assert.deepEqual(twice, [], 'keys delivered more than once');
  console.log(`acknowledged ${acked.length} calls over ${KILLS} SIGKILLs; upstream runs ${fake.seen.runs.size}, deliveries ${fake.seen.calls}`);
  assert.equal(await gw.stop(), 0, gw.log());
  await fake.stop();
  fs.rmSync(home, { recursive: true, force: true });
});
