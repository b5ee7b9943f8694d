// The official MCP conformance suite against `edgegw serve --config config/conformance.toml`:
// every server scenario, the pending ones included, with no expected-failures file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, configPath } from './lib/gateway.mjs';
import { runSuite, expectedScenarios } from './lib/conformance.mjs';

for (const suite of ['active', 'pending']) {
  test(`conformance server suite '${suite}' passes with no expected failures`, { timeout: 600000 }, async () => {
    const gw = await startGateway(['--config', configPath('conformance.toml')]);
    try {
      const { code, summary } = await runSuite(gw.url, suite);
      console.log(summary);
      assert.equal(code, 0, `conformance suite failed:\n${summary}`);
      assert.match(summary, /Total: \d+ passed, 0 failed/);
      assert.doesNotMatch(summary, /✗/);
      const scenarios = (summary.match(/^✓ /gm) || []).length;
      assert.equal(scenarios, expectedScenarios[suite], 'scenario count changed; review the suite');
    } finally {
      assert.equal(await gw.stop(), 0, `gateway did not exit cleanly:\n${gw.log()}`);
    }
  });
}
