// Conformance through the gateway: gateway A, started with `--upstream <B>`, fronts gateway
// B serving config/conformance.toml, and the official suite runs against A. Every scenario
// (sampling, elicitation, progress, logging, subscriptions, SSE polling) must pass through
// the federation unchanged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startGateway, configPath, repoRoot } from './lib/gateway.mjs';
import { runSuite, expectedScenarios } from './lib/conformance.mjs';

const front = path.join(repoRoot, 'tests', 'js', 'fixtures', 'front.toml');
let b;
let a;

before(async () => {
  b = await startGateway(['--config', configPath('conformance.toml')]);
  a = await startGateway(['--config', front, '--upstream', b.url]);
});

after(async () => {
  assert.equal(await a.stop(), 0, `gateway A did not exit cleanly:\n${a.log()}`);
  assert.equal(await b.stop(), 0, `gateway B did not exit cleanly:\n${b.log()}`);
});

test('A reports its upstream ready', async () => {
  const res = await fetch(`${a.base}/readyz`);
  assert.deepEqual(await res.json(), { status: 'ready', upstreams: { upstream1: 'ready' } });
});

for (const suite of ['active', 'pending']) {
  test(`conformance suite '${suite}' passes through the gateway`, { timeout: 600000 }, async () => {
    const { code, summary } = await runSuite(a.url, suite);
    console.log(summary);
    assert.equal(code, 0, `conformance suite failed through the gateway:\n${summary}\nA:\n${a.log()}`);
    assert.match(summary, /Total: \d+ passed, 0 failed/);
    const scenarios = (summary.match(/^✓ /gm) || []).length;
    assert.equal(scenarios, expectedScenarios[suite]);
  });
}
