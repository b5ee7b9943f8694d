// Real MCP servers from npm used as upstreams: @modelcontextprotocol/server-everything (stdio
// and Streamable HTTP) and @modelcontextprotocol/server-memory (stdio).
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { repoRoot } from './gateway.mjs';

const modules = path.join(repoRoot, 'tests', 'js', 'node_modules', '@modelcontextprotocol');
export const everythingJs = path.join(modules, 'server-everything', 'dist', 'index.js');
export const memoryJs = path.join(modules, 'server-memory', 'dist', 'index.js');

// `--upstream` values that run the servers as stdio children of the gateway.
export const everythingStdio = `stdio:${process.execPath} ${everythingJs} stdio`;
export const memoryStdio = `stdio:${process.execPath} ${memoryJs}`;

// A port that was free a moment ago (server-everything takes its port from $PORT and
// reports only that value, so the test picks one).
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Starts server-everything over Streamable HTTP; resolves when it listens.
export async function startEverythingHttp({ timeoutMs = 20000 } = {}) {
  const port = await freePort();
  const child = spawn(process.execPath, [everythingJs, 'streamableHttp'], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server-everything did not start:\n${log}`)), timeoutMs);
    const onData = (d) => {
      log += d;
      if (/listening on port/.test(log)) { clearTimeout(timer); resolve(); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server-everything exited ${code}:\n${log}`)); });
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    child,
    log: () => log,
    stop() {
      if (child.exitCode !== null) return Promise.resolve();
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      return exited;
    },
  };
}
