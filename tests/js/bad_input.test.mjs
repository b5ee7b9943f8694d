// Bad input over Streamable HTTP and stdio: each gets the right HTTP status and JSON-RPC
// code with a message a person can act on, and the gateway keeps serving everyone else.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { startGateway, configPath, edgegwBinary, openSession, postHeaders } from './lib/gateway.mjs';

let gw;
let healthySession;

before(async () => {
  gw = await startGateway(['--config', configPath('conformance.toml')]);
  healthySession = await openSession(gw.url);
});

after(async () => {
  assert.equal(await gw.stop(), 0, gw.log());
});

async function post(body, headers = {}) {
  const res = await fetch(gw.url, {
    method: 'POST',
    headers: { ...postHeaders, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text, headers: res.headers };
}

// After every bad request, an unrelated session still works.
async function assertStillServing() {
  const r = await post({ jsonrpc: '2.0', id: 99, method: 'tools/call', params: { name: 'echo', arguments: { text: 'alive' } } },
    { 'mcp-session-id': healthySession });
  assert.equal(r.status, 200);
  assert.equal(r.json.result.content[0].text, 'alive');
}

test('malformed JSON is 400 with -32700', async () => {
  const r = await post('{"jsonrpc":"2.0","id":1,"method":', { 'mcp-session-id': healthySession });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, -32700);
  assert.match(r.json.error.message, /Parse error: invalid JSON at offset \d+/);
  await assertStillServing();
});

test('wrong jsonrpc version is -32600 naming the field', async () => {
  const r = await post({ jsonrpc: '1.0', id: 5, method: 'ping' }, { 'mcp-session-id': healthySession });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, -32600);
  assert.equal(r.json.id, 5);
  assert.match(r.json.error.message, /"jsonrpc" must be the string "2.0"/);
  await assertStillServing();
});

test('unknown method is -32601', async () => {
  const r = await post({ jsonrpc: '2.0', id: 6, method: 'tools/teleport' }, { 'mcp-session-id': healthySession });
  assert.equal(r.status, 200);
  assert.equal(r.json.error.code, -32601);
  assert.match(r.json.error.message, /Method not found: tools\/teleport/);
  await assertStillServing();
});

test('invalid params is -32602', async () => {
  const r = await post({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { arguments: {} } },
    { 'mcp-session-id': healthySession });
  assert.equal(r.json.error.code, -32602);
  assert.match(r.json.error.message, /tools\/call needs a string "name"/);
  const level = await post({ jsonrpc: '2.0', id: 8, method: 'logging/setLevel', params: { level: 'loud' } },
    { 'mcp-session-id': healthySession });
  assert.equal(level.json.error.code, -32602);
  await assertStillServing();
});

test('a body over the limit is 413', async () => {
  const big = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'ping', params: { pad: 'x'.repeat(5 << 20) } });
  const r = await post(big, { 'mcp-session-id': healthySession });
  assert.equal(r.status, 413);
  assert.match(r.json.error.message, /exceeds the limit of 4194304 bytes/);
  await assertStillServing();
});

test('a request before initialize is refused', async () => {
  const r = await post({ jsonrpc: '2.0', id: 10, method: 'tools/list' });
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /Mcp-Session-Id header is required/);
  await assertStillServing();
});

test('an unknown session id is 404', async () => {
  const r = await post({ jsonrpc: '2.0', id: 11, method: 'tools/list' }, { 'mcp-session-id': 'deadbeef' });
  assert.equal(r.status, 404);
  assert.match(r.json.error.message, /Session not found/);
  await assertStillServing();
});

test('a foreign Origin is 403, a loopback one is fine', async () => {
  const r = await post({ jsonrpc: '2.0', id: 12, method: 'ping' },
    { 'mcp-session-id': healthySession, origin: 'https://evil.example' });
  assert.equal(r.status, 403);
  assert.match(r.json.error.message, /Origin 'https:\/\/evil.example' is not allowed/);
  const ok = await post({ jsonrpc: '2.0', id: 13, method: 'ping' },
    { 'mcp-session-id': healthySession, origin: 'http://localhost:6274' });
  assert.equal(ok.status, 200);
  await assertStillServing();
});

test('missing Accept types and wrong content type are refused', async () => {
  const accept = await post({ jsonrpc: '2.0', id: 14, method: 'ping' },
    { 'mcp-session-id': healthySession, accept: 'application/json' });
  assert.equal(accept.status, 406);
  const type = await post({ jsonrpc: '2.0', id: 15, method: 'ping' },
    { 'mcp-session-id': healthySession, 'content-type': 'text/plain' });
  assert.equal(type.status, 415);
  await assertStillServing();
});

test('a client that disconnects mid-stream does not disturb others', async () => {
  const session = await openSession(gw.url, {}, { elicitation: {} });
  const controller = new AbortController();
  // test_elicitation waits for the client's answer, so its SSE stream stays open.
  const res = await fetch(gw.url, {
    method: 'POST',
    headers: { ...postHeaders, 'mcp-session-id': session },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call',
      params: { name: 'test_elicitation', arguments: { message: 'hi' } } }),
    signal: controller.signal,
  });
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const reader = res.body.getReader();
  let seen = '';
  while (!seen.includes('elicitation/create')) {
    const { value } = await reader.read();
    seen += new TextDecoder().decode(value);
  }
  controller.abort();
  await assertStillServing();
  // The abandoned session is still usable and its old call can be cancelled.
  const cancel = await post({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } },
    { 'mcp-session-id': session });
  assert.equal(cancel.status, 202);
  const ping = await post({ jsonrpc: '2.0', id: 2, method: 'ping' }, { 'mcp-session-id': session });
  assert.deepEqual(ping.json.result, {});
});

test('DELETE ends a session; it is then unknown', async () => {
  const session = await openSession(gw.url);
  const del = await fetch(gw.url, { method: 'DELETE', headers: { 'mcp-session-id': session } });
  assert.equal(del.status, 200);
  const r = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { 'mcp-session-id': session });
  assert.equal(r.status, 404);
});

test('health, readiness and metrics endpoints', async () => {
  assert.equal((await fetch(`${gw.base}/healthz`)).status, 200);
  assert.equal((await fetch(`${gw.base}/readyz`)).status, 200);
  const metrics = await (await fetch(`${gw.base}/metrics`)).text();
  assert.match(metrics, /edgegw_requests_total\{method="tools\/call",outcome="ok"\} \d+/);
  assert.match(metrics, /edgegw_request_duration_seconds_bucket\{method="tools\/call",le="\+Inf"\} \d+/);
  assert.match(metrics, /edgegw_active_sessions\{transport="http"\} \d+/);
  assert.match(metrics, /edgegw_process_resident_memory_bytes \d+/);
  // The device's resources: CPU used, load, memory left.
  const value = (name) => Number(metrics.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1]);
  assert.ok(value('edgegw_process_cpu_seconds_total') > 0, metrics);
  assert.ok(value('edgegw_system_memory_available_bytes') > 0);
  assert.ok(value('edgegw_system_load1') >= 0);
  // Nothing that should not happen did, after all the bad input above.
  assert.match(metrics, /# TYPE edgegw_bugs_total counter\nedgegw_bugs_total 0\n/);
  assert.match(metrics, /edgegw_http_rejected_total\{status="413"\} 1/);
  assert.equal((await fetch(`${gw.base}/nothing`)).status, 404);
});

test('stdio: bad lines get errors, the session goes on', async () => {
  const child = spawn(edgegwBinary(), ['serve', '--stdio', '--config', configPath('conformance.toml')],
    { stdio: ['pipe', 'pipe', 'ignore'] });
  const lines = readline.createInterface({ input: child.stdout });
  const replies = lines[Symbol.asyncIterator]();
  const ask = async (text) => {
    child.stdin.write(text + '\n');
    return JSON.parse((await replies.next()).value);
  };
  const early = await ask('{"jsonrpc":"2.0","id":1,"method":"tools/list"}');
  assert.equal(early.error.code, -32600);
  assert.match(early.error.message, /not initialized/);
  const init = await ask(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }));
  assert.equal(init.result.protocolVersion, '2025-06-18');
  assert.equal((await ask('{not json')).error.code, -32700);
  assert.equal((await ask('{"jsonrpc":"2.0","id":3,"method":"nope"}')).error.code, -32601);
  const echo = await ask('{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":{"text":"ok"}}}');
  assert.equal(echo.result.content[0].text, 'ok');
  child.stdin.end();
  const code = await new Promise((r) => child.once('exit', r));
  assert.equal(code, 0);
});
