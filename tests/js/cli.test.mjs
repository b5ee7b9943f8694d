// The edgegw command line: --help and version, and a bad config file that names the key and
// the line and exits non-zero without starting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { edgegwBinary } from './lib/gateway.mjs';

function run(args) {
  return spawnSync(edgegwBinary(), args, { encoding: 'utf8', timeout: 20000 });
}

test('--help lists the subcommands; version prints the version', () => {
  const help = run(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /serve\s+Run the gateway/);
  assert.match(help.stdout, /version\s+Print the version/);
  const serveHelp = run(['serve', '--help']);
  assert.match(serveHelp.stdout, /--listen/);
  assert.match(serveHelp.stdout, /--stdio/);
  assert.match(serveHelp.stdout, /OTEL_EXPORTER_OTLP_ENDPOINT/);  // how to turn traces on
  const version = run(['version']);
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^edgegw \d+\.\d+\.\d+\n$/);
});

test('a bad config names the file, line and key, and exits 1', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgegw-cli-'));
  const file = path.join(dir, 'bad.toml');
  fs.writeFileSync(file, '[http]\nlisten = "127.0.0.1:0"\nmax_sesions = 5\n');
  const r = run(['serve', '--config', file]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), `edgegw: ${file}:3: http.max_sesions: unknown key (see docs/configuration.md)`);
  fs.writeFileSync(file, '[http]\nlisten = "nowhere"\n');
  const r2 = run(['serve', '--config', file]);
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, /bad\.toml:2: http\.listen: expected HOST:PORT/);
  fs.rmSync(dir, { recursive: true });
});

test('a port in use is a clear error', async () => {
  const net = await import('node:net');
  const server = net.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  const r = run(['serve', '--listen', `127.0.0.1:${port}`]);
  server.close();
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`cannot listen on 127.0.0.1:${port}: Address already in use`));
});

test('unknown flags are refused with a hint', () => {
  const r = run(['serve', '--lisen', '1']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr + r.stdout, /lisen/);
});

test('--upstream and client: help, bad values and unreachable servers are explained', () => {
  const serveHelp = run(['serve', '--help']);
  assert.match(serveHelp.stdout, /--upstream/);
  const clientHelp = run(['client', '--help']);
  assert.equal(clientHelp.status, 0);
  assert.match(clientHelp.stdout, /TARGET|target/);
  assert.match(clientHelp.stdout, /--conformance/);

  const badUrl = run(['serve', '--listen', '127.0.0.1:0', '--upstream', 'cloud=ftp://x/']);
  assert.equal(badUrl.status, 1);
  assert.match(badUrl.stderr, /--upstream 'cloud=ftp:\/\/x\/'.*not an http:\/\/ or https:\/\/ URL/);
  const badName = run(['serve', '--listen', '127.0.0.1:0', '--upstream', 'a b=http://x/']);
  assert.equal(badName.status, 1);
  assert.match(badName.stderr, /upstream name 'a b'/);
  const twice = run(['serve', '--listen', '127.0.0.1:0', '--upstream', 'a=http://x/', '--upstream', 'a=http://y/']);
  assert.equal(twice.status, 1);
  assert.match(twice.stderr, /used twice/);

  const badJson = run(['client', 'http://127.0.0.1:1/mcp', 'tools/call', '[1]']);
  assert.equal(badJson.status, 2);
  assert.match(badJson.stderr, /JSON params must be an object/);
  const down = run(['client', 'http://127.0.0.1:1/mcp', 'tools/list']);
  assert.equal(down.status, 1);
  assert.match(down.stderr, /cannot connect to http:\/\/127\.0\.0\.1:1\/mcp/);
});
