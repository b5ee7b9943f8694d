// The conformance suite's client scenarios with `edgegw client --conformance` as the client
// under test: the gateway's own upstream stack (Streamable HTTP transport, SSE resumption
// with Last-Event-ID after the server's retry delay, elicitation defaults).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { edgegwBinary } from './lib/gateway.mjs';
import { jsRoot, node22, conformanceCli } from './lib/conformance.mjs';

function runClientScenario(scenario) {
  return new Promise((resolve) => {
    const child = spawn(node22, [conformanceCli, 'client', '--command', `${edgegwBinary()} client --conformance`,
      '--scenario', scenario], { cwd: jsRoot });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('exit', (code) => resolve({ code, out }));
  });
}

for (const scenario of ['initialize', 'tools_call', 'sse-retry', 'elicitation-sep1034-client-defaults']) {
  test(`client scenario ${scenario}`, { timeout: 120000 }, async () => {
    const { code, out } = await runClientScenario(scenario);
    const results = out.slice(out.indexOf('Test Results:'));
    assert.equal(code, 0, out);
    assert.match(results, /Passed: (\d+)\/\1, 0 failed, 0 warnings/, out);
    assert.match(results, /OVERALL: PASSED/);
  });
}
