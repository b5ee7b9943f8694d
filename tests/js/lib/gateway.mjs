// Starts the real edgegw binary for a test and tells the test where it listens.
// The gateway is started on port 0; its log line "MCP over Streamable HTTP at <url>" on
// stderr says which port it got, so no test sleeps or guesses.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function edgegwBinary() {
  const bin = process.env.EDGEGW_BIN;
  if (!bin) throw new Error('EDGEGW_BIN is not set; run the tests through ctest (scripts/test)');
  return bin;
}

export function configPath(name) {
  return path.join(repoRoot, 'config', name);
}

// Spawns `edgegw serve` with `args` plus --listen 127.0.0.1:0 and resolves once it listens.
// It runs in a fresh working folder (its `var/` lands there), or in `cwd` when given, so a
// test can restart a gateway on the same state.
export function startGateway(args = [], { timeoutMs = 20000, env = {}, cwd } = {}) {
  const dir = cwd ?? fs.mkdtempSync(path.join(os.tmpdir(), 'edgegw-gw-'));
  const child = spawn(edgegwBinary(), ['serve', '--listen', '127.0.0.1:0', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
    cwd: dir,
  });
  if (!cwd) child.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`edgegw did not start within ${timeoutMs} ms; log:\n${log}`));
    }, timeoutMs);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const m = log.match(/MCP over Streamable HTTP at (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        const url = m[1];
        resolve({
          url,
          dir,
          base: url.replace(/\/mcp$/, ''),
          child,
          log: () => log,
          async stop() {
            if (child.exitCode !== null) return child.exitCode;
            const exited = new Promise((r) => child.once('exit', (code, signal) => r(code ?? signal)));
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`edgegw exited with ${code} before listening; log:\n${log}`));
    });
  });
}

// Headers every Streamable HTTP POST needs.
export const postHeaders = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

// Opens an MCP session over raw HTTP and returns its id.
export async function openSession(url, extraHeaders = {}, capabilities = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { ...postHeaders, ...extraHeaders },
    body: JSON.stringify({
      jsonrpc: '2.0', id: 0, method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities, clientInfo: { name: 'raw', version: '1' } },
    }),
  });
  if (res.status !== 200) throw new Error(`initialize: HTTP ${res.status}: ${await res.text()}`);
  await res.json();
  const session = res.headers.get('mcp-session-id');
  await fetch(url, {
    method: 'POST',
    headers: { ...postHeaders, 'mcp-session-id': session },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  return session;
}
