// The wasm32-wasi build (apps/wasm) under Node's WASI, driven by the official SDK client over
// stdio through the repository's runner: initialize, tools/list, tools/call, bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { repoRoot } from './lib/gateway.mjs';

const wasm = process.env.EDGEGW_WASM;
const runner = path.join(repoRoot, 'tools', 'wasi', 'run-wasi.mjs');

test('wasm build answers initialize, tools/list and tools/call', { skip: !wasm && 'EDGEGW_WASM not set' }, async () => {
  const client = new Client({ name: 'wasm-test', version: '1.0.0' });
  const transport = new StdioClientTransport({
    command: process.execPath, args: ['--no-warnings', runner, wasm], stderr: 'pipe',
  });
  await client.connect(transport);
  try {
    assert.equal(client.getServerVersion().name, 'edgegw-wasm');
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['echo', 'time_now']);
    const echo = await client.callTool({ name: 'echo', arguments: { text: 'from wasm' } });
    assert.equal(echo.content[0].text, 'from wasm');
    const now = await client.callTool({ name: 'time_now', arguments: {} });
    assert.match(now.structuredContent.utc, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const bad = await client.callTool({ name: 'echo', arguments: {} });
    assert.equal(bad.isError, true);
  } finally {
    await client.close();
  }
});

test('wasm build answers malformed lines and keeps going', { skip: !wasm && 'EDGEGW_WASM not set' }, async () => {
  const child = spawn(process.execPath, ['--no-warnings', runner, wasm], { stdio: ['pipe', 'pipe', 'inherit'] });
  const replies = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const ask = async (line) => {
    child.stdin.write(line + '\n');
    return JSON.parse((await replies.next()).value);
  };
  assert.equal((await ask('{oops')).error.code, -32700);
  assert.equal((await ask('{"jsonrpc":"2.0","id":1,"method":"ping"}')).id, 1);
  child.stdin.end();
  assert.equal(await new Promise((r) => child.once('exit', r)), 0);
});
