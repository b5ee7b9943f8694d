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

test('wasm build runs generate on a synthesized model with the simd128 kernels', { skip: !wasm && 'EDGEGW_WASM not set' }, async () => {
  const { execFileSync } = await import('node:child_process');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const { edgegwBinary } = await import('./lib/gateway.mjs');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgegw-wasm-gen-'));
  try {
    execFileSync(edgegwBinary(), ['model', 'synth', '--out', path.join(dir, 'm.gguf'), '--type', 'q4_0', '--layers', '2',
      '--dim', '64', '--heads', '4', '--kv-heads', '2', '--ff', '128', '--vocab', '600'], { stdio: 'ignore' });
    const run = () => JSON.parse(execFileSync(process.execPath, ['--no-warnings', runner, wasm, 'generate', '--model', 'm.gguf',
      '--prompt', 'the world', '-n', '16', '--temp', '0', '--ignore-eos', '--json'], { cwd: dir, encoding: 'utf8' }));
    const a = run();
    assert.equal(a.kernels, 'simd128');
    assert.equal(a.tokens.length, 16);
    assert.ok(a.tokens.every((t) => Number.isInteger(t) && t >= 0 && t < 600));
    assert.deepEqual(run().tokens, a.tokens);  // deterministic
    // The prompt is tokenized as natively (same vocabulary, same algorithm).
    assert.equal(a.prompt_tokens, JSON.parse(execFileSync(edgegwBinary(), ['model', 'tokenize', path.join(dir, 'm.gguf'),
      'the world', '--bos'], { encoding: 'utf8' })).tokens.length);
    // A missing model is a clear error, not a trap.
    assert.throws(() => execFileSync(process.execPath, ['--no-warnings', runner, wasm, 'generate', '--model', 'none.gguf',
      '--prompt', 'x'], { cwd: dir, stdio: 'pipe' }), /cannot read/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
