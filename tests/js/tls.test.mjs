// Upstreams over HTTPS: the certificate is verified against a configured CA (a self-signed
// one made here with the openssl CLI) or the system's CAs, and the bearer token and extra
// headers from config reach the upstream. The upstream is FaultyUpstream (a fake) serving
// HTTPS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startGateway } from './lib/gateway.mjs';
import { startFaultyUpstream } from './lib/faulty_upstream.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgegw-tls-'));
const keyFile = path.join(tmp, 'key.pem');
const certFile = path.join(tmp, 'cert.pem');
let fake;

before(async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile,
    '-out', certFile, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  fake = await startFaultyUpstream({ tls: { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) } });
});

after(async () => {
  await fake.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function withGateway(upstreamToml, fn, env = {}) {
  const file = path.join(tmp, `gw-${Math.random().toString(16).slice(2)}.toml`);
  fs.writeFileSync(file, `[server]\nlog_level = "warning"\nupstream_startup_wait_seconds = 2\n` +
    `[catalog]\npacks = []\n[[upstream]]\nname = "secure"\nurl = "${fake.url}"\nretry_base_delay_ms = 5\n${upstreamToml}\n`);
  const gw = await startGateway(['--config', file], { env });
  const client = new Client({ name: 'tls-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(gw.url)));
  try {
    await fn(client, gw);
  } finally {
    await client.close();
    assert.equal(await gw.stop(), 0, gw.log());
  }
}

test('verified against the configured CA, with token and headers', async () => {
  await withGateway(`ca_file = "${certFile}"\nbearer_token_env = "SECURE_TOKEN"\nheaders = { "X-Tenant" = "edge-17" }`,
    async (client) => {
      const r = await client.callTool({ name: 'secure__work', arguments: {} });
      assert.match(r.content[0].text, /^done/);
      assert.equal(fake.seen.headers.authorization, 'Bearer s3cret');
      assert.equal(fake.seen.headers['x-tenant'], 'edge-17');
    }, { SECURE_TOKEN: 's3cret' });
});

test('an unknown certificate is refused and the error says why', async () => {
  await withGateway('', async (client, gw) => {
    const ready = await (await fetch(`${gw.base}/readyz`)).json();
    assert.notEqual(ready.upstreams.secure, 'ready');
    const { tools } = await client.listTools();
    assert.equal(tools.length, 0);
    assert.match(gw.log(), /upstream 'secure'.*certificate verify failed/);
  });
});

test('tls_verify = false connects anyway (for lab setups)', async () => {
  await withGateway('tls_verify = false', async (client) => {
    const r = await client.callTool({ name: 'secure__work', arguments: {} });
    assert.match(r.content[0].text, /^done/);
  });
});
