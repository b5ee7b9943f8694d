// Benchmark (issue 4): the offline queue through the gateway, end to end over HTTP.
//   1. enqueue: with the upstream down, 64 concurrent clients send N queueable tools/call;
//      each is acknowledged (a task) only once durable. Reports acknowledged calls/s.
//   2. drain: the upstream (a second edgegw serving echo) comes back; reports delivered
//      calls/s from the first delivery to the last.
//   node bench/queue_drain.mjs [N] [EDGEGW]     (defaults 5000, build/release/bin/edgegw)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const N = Number(process.argv[2] || 5000);
const edgegw = path.resolve(process.argv[3] || 'build/release/bin/edgegw');
const CLIENTS = 64;
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'edgegw-drain-'));
const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function start(args) {  // resolves with {url, child} once it prints where it listens
  const child = spawn(edgegw, ['serve', ...args], { cwd: home, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      log += d;
      const m = log.match(/MCP over Streamable HTTP at (http:\/\/\S+)/);
      if (m) resolve({ url: m[1], base: m[1].replace(/\/mcp$/, ''), child });
    });
    child.once('exit', (code) => reject(new Error(`edgegw exited ${code}: ${log}`)));
  });
}
const stop = (p) => new Promise((r) => { p.child.once('exit', r); p.child.kill('SIGTERM'); });

async function session(url) {
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 0,
    method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }) });
  await res.text();
  return res.headers.get('mcp-session-id');
}

async function metric(base, line) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = text.split('\n').find((l) => l.startsWith(line));
  return m ? Number(m.split(' ').pop()) : 0;
}

const port = await freePort();
const config = path.join(home, 'gw.toml');
fs.writeFileSync(config, `[server]\nlog_level = "error"\nupstream_startup_wait_seconds = 2\n[catalog]\npacks = []\n` +
  `[[upstream]]\nname = "b"\nurl = "http://127.0.0.1:${port}/mcp"\nretry_max_attempts = 1\nping_interval_seconds = 0\n` +
  `[[route]]\ntool = "b__echo"\nchain = ["b"]\nqueueable = true\n`);
const coreOnly = path.join(home, 'b.toml');
fs.writeFileSync(coreOnly, '[server]\nlog_level = "error"\n[catalog]\npacks = ["core"]\n');

let b = await start(['--config', coreOnly, '--listen', `127.0.0.1:${port}`]);
const a = await start(['--config', config, '--listen', '127.0.0.1:0']);
await stop(b);  // the upstream goes away; A knows its tools

let next = 0;
const t0 = performance.now();
await Promise.all(Array.from({ length: CLIENTS }, async () => {
  const sid = await session(a.url);
  while (next < N) {
    const n = next++;
    const res = await fetch(a.url, { method: 'POST', headers: { ...headers, 'mcp-session-id': sid },
      body: JSON.stringify({ jsonrpc: '2.0', id: n, method: 'tools/call', params: { name: 'b__echo', arguments: { text: `m${n}` } } }) });
    const body = await res.json();
    if (!body.result?._meta?.['io.modelcontextprotocol/related-task']) throw new Error(JSON.stringify(body));
  }
}));
const enqueueSeconds = (performance.now() - t0) / 1000;

b = await start(['--config', coreOnly, '--listen', `127.0.0.1:${port}`]);
const done = () => metric(a.base, 'edgegw_queue_deliveries_total{outcome="done"}');
while ((await done()) === 0) await new Promise((r) => setTimeout(r, 5));
const t1 = performance.now();
const first = await done();
while ((await done()) < N) await new Promise((r) => setTimeout(r, 20));
const drainSeconds = (performance.now() - t1) / 1000;

console.log('| step | calls | seconds | calls/s |\n|---|---|---|---|');
console.log(`| enqueue through the gateway (${CLIENTS} clients, acknowledged when durable) | ${N} | ${enqueueSeconds.toFixed(2)} | ${(N / enqueueSeconds).toFixed(0)} |`);
console.log(`| drain to a local edgegw upstream over HTTP (from the first delivery) | ${N - first} | ${drainSeconds.toFixed(2)} | ${((N - first) / drainSeconds).toFixed(0)} |`);
await stop(a);
await stop(b);
fs.rmSync(home, { recursive: true, force: true });
