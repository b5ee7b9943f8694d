// The offline queue end to end with the official SDK client: an upstream that is down, a
// call answered with a task at once, the upstream back, the task completed and its result
// fetched; tasks surviving a gateway restart (delivered, though a new session may not see
// another session's tasks); two sessions that cannot see or fetch each other's tasks; and
// the bad-input answers (unknown task, cancelling a finished task). The upstream is FaultyUpstream (a fake), stopped and started
// again on its port to be "down" and "back".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { startGateway } from './lib/gateway.mjs';
import { startFaultyUpstream, queueingGatewayConfig } from './lib/faulty_upstream.mjs';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'edgegw-tasks-'));
let fake;
let port;
let config;

before(async () => {
  fake = await startFaultyUpstream();
  port = new URL(fake.url).port;
  config = path.join(home, 'gw.toml');
  fs.writeFileSync(config, queueingGatewayConfig(fake.url));
});

after(async () => {
  await fake?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

async function connect(gw) {
  const client = new Client({ name: 'tasks-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(gw.url)));
  return client;
}

// Waits for a state the gateway reaches on its own (delivery after the upstream is back).
async function until(condition, what, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const taskOf = (result) => result._meta['io.modelcontextprotocol/related-task'].taskId;

test('upstream down -> task at once -> restart offline -> upstream back -> completed -> result', async () => {
  let gw = await startGateway(['--config', config], { cwd: home });
  let client = await connect(gw);
  const caps = client.getServerCapabilities();
  assert.deepEqual(caps.tasks, { list: {}, cancel: {}, requests: { tools: { call: {} } } });
  const { tools } = await client.listTools();
  assert.equal(tools.find((t) => t.name === 'cloud__work').execution.taskSupport, 'optional');

  await fake.stop();  // the cloud goes away
  // A client that did not ask for a task: told where its result will be, at once.
  const plain = await client.callTool({ name: 'cloud__work', arguments: { n: 1 } });
  const plainTask = taskOf(plain);
  assert.match(plain.content[0].text, new RegExp(`queued as task ${plainTask}.*tasks/result`));
  assert.equal(plain._meta['io.edgegw/route'].route, 'queue');
  // A client that asked for one gets a CreateTaskResult.
  const created = await client.request({ method: 'tools/call',
    params: { name: 'cloud__work', arguments: { n: 2 }, task: { ttl: 600000 } } }, CreateTaskResultSchema);
  const taskId = created.task.taskId;
  assert.equal(created.task.status, 'working');
  assert.equal(created.task.ttl, 600000);
  assert.equal((await client.experimental.tasks.getTask(taskId)).status, 'working');

  // The gateway restarts while the cloud is down. The tasks are still queued, but they
  // belonged to a session that is gone: the new session cannot see them (until
  // authentication binds tasks to a principal, a session is who owns them).
  await client.close();
  assert.equal(await gw.stop(), 0, gw.log());
  gw = await startGateway(['--config', config], { cwd: home });
  client = await connect(gw);
  await assert.rejects(client.experimental.tasks.getTask(taskId), /Task not found/);
  assert.deepEqual((await client.experimental.tasks.listTasks()).tasks, []);
  // Restarted offline, it still lists the cloud's tools it saw before, and queues for them.
  const { tools: offline } = await client.listTools();
  assert.ok(offline.some((t) => t.name === 'cloud__work'), 'the saved listing is served');
  const third = (await client.request({ method: 'tools/call',
    params: { name: 'cloud__work', arguments: { n: 3 }, task: {} } }, CreateTaskResultSchema)).task.taskId;
  assert.deepEqual((await client.experimental.tasks.listTasks()).tasks.map((t) => t.taskId), [third]);

  // The cloud comes back on its port: all three are delivered, once each, with their keys.
  fake = await startFaultyUpstream({ port });
  const result = await client.experimental.tasks.getTaskResult(third, CallToolResultSchema);
  assert.match(result.content[0].text, /^done/);
  assert.deepEqual(result._meta['io.modelcontextprotocol/related-task'], { taskId: third });
  await until(() => fake.seen.calls === 3, 'the earlier session\'s tasks to be delivered');
  assert.equal(new Set(fake.seen.keys).size, 3);
  assert.ok(fake.seen.keys.every((k) => typeof k === 'string' && k.length > 0));

  // Bad input is answered clearly.
  await assert.rejects(client.experimental.tasks.getTask('no-such-task'), /Task not found/);
  await assert.rejects(client.experimental.tasks.cancelTask(third), /already in terminal status 'completed'/);
  await client.close();
  assert.equal(await gw.stop(), 0, gw.log());
});

test('a task can be cancelled while it waits, and its creator is told', async () => {
  const gw = await startGateway(['--config', config], { cwd: home });
  const client = await connect(gw);
  const statuses = [];
  client.fallbackNotificationHandler = async (n) => {
    if (n.method === 'notifications/tasks/status') statuses.push(n.params);
  };
  await fake.stop();
  const created = await client.request({ method: 'tools/call',
    params: { name: 'cloud__work', arguments: {}, task: {} } }, CreateTaskResultSchema);
  const cancelled = await client.experimental.tasks.cancelTask(created.task.taskId);
  assert.equal(cancelled.status, 'cancelled');
  await assert.rejects(client.experimental.tasks.getTaskResult(created.task.taskId, CallToolResultSchema),
    /cancelled/);
  await until(() => statuses.some((t) => t.taskId === created.task.taskId && t.status === 'cancelled'),
    'notifications/tasks/status');
  fake = await startFaultyUpstream({ port });
  await client.close();
  assert.equal(await gw.stop(), 0, gw.log());
});

test('a task that outlives its ttl is failed, and its result says it expired', async () => {
  const gw = await startGateway(['--config', config], { cwd: home });
  const client = await connect(gw);
  await fake.stop();
  const created = await client.request({ method: 'tools/call',
    params: { name: 'cloud__work', arguments: {}, task: { ttl: 300 } } }, CreateTaskResultSchema);
  const id = created.task.taskId;
  assert.equal(created.task.ttl, 300);
  await until(async () => (await client.experimental.tasks.getTask(id)).status === 'failed', 'the ttl to pass');
  assert.match((await client.experimental.tasks.getTask(id)).statusMessage, /expired/);
  await assert.rejects(client.experimental.tasks.getTaskResult(id, CallToolResultSchema), /Task has expired/);
  fake = await startFaultyUpstream({ port });
  await client.close();
  assert.equal(await gw.stop(), 0, gw.log());
});

test('a dead letter is inspected and retried with edgegw queue', async () => {
  const { spawnSync } = await import('node:child_process');
  const { edgegwBinary } = await import('./lib/gateway.mjs');
  const cli = (...args) => spawnSync(edgegwBinary(), ['queue', ...args, '--file', path.join(home, 'var', 'queue.db')],
    { encoding: 'utf8', timeout: 20000 });
  const deadConfig = path.join(home, 'dead.toml');
  fs.writeFileSync(deadConfig, fs.readFileSync(config, 'utf8') + '[queue]\nmax_attempts = 1\n');
  const gw = await startGateway(['--config', deadConfig], { cwd: home });
  const client = await connect(gw);
  fake.setAlways(503);
  const id = taskOf(await client.callTool({ name: 'cloud__work', arguments: { n: 4 } }));
  await until(async () => (await client.experimental.tasks.getTask(id)).status === 'failed', 'a dead letter');
  const task = await client.experimental.tasks.getTask(id);
  assert.match(task.statusMessage, /gave up after 1 attempts.*HTTP 503/);

  const metric = async (line) => {
    const text = await (await fetch(`${gw.base}/metrics`)).text();
    const m = text.split('\n').find((l) => l.startsWith(line));
    return m ? Number(m.split(' ').pop()) : undefined;
  };
  assert.equal(await metric('edgegw_queue_enqueued_total{outcome="queued"}'), 1);
  assert.equal(await metric('edgegw_queue_deliveries_total{outcome="dead"}'), 1);
  await until(async () => (await metric('edgegw_queue_dead_letters')) === 1, 'the dead-letter gauge');
  const dead = cli('dead-letter', '--json');
  assert.equal(dead.status, 0, dead.stderr);
  const letters = JSON.parse(dead.stdout);
  assert.deepEqual(letters.map((r) => r.task_id), [id]);
  assert.equal(letters[0].state, 'dead');
  const shown = JSON.parse(cli('show', id, '--json').stdout);
  assert.deepEqual(shown.params, { name: 'work', arguments: { n: 4 } });
  const table = cli('ls');
  assert.match(table.stdout, /^SEQ\s+TASK\s+STATE/);
  assert.match(table.stdout, new RegExp(`${id}\\s+dead`));
  const notDead = cli('retry', 'no-such-task');
  assert.equal(notDead.status, 1);
  assert.match(notDead.stderr, /no task 'no-such-task'/);

  fake.setAlways('ok');
  const retried = cli('retry', id, '--json');
  assert.equal(retried.status, 0, retried.stderr);
  assert.equal(JSON.parse(retried.stdout).state, 'queued');
  await until(async () => (await client.experimental.tasks.getTask(id)).status === 'completed', 'the retried task');
  const corrupt = cli('corrupt', '--json');
  assert.equal(corrupt.status, 0, corrupt.stderr);
  assert.deepEqual(JSON.parse(corrupt.stdout), []);
  const purged = cli('purge', '--json');
  assert.ok(JSON.parse(purged.stdout).purged >= 1);
  await client.close();
  assert.equal(await gw.stop(), 0, gw.log());
});

test('two sessions cannot see, fetch or cancel each other\'s tasks', async () => {
  const gw = await startGateway(['--config', config], { cwd: home });
  const alice = await connect(gw);
  const bob = await connect(gw);
  try {
    const created = await alice.request({ method: 'tools/call',
      params: { name: 'cloud__work', arguments: { n: 5 }, task: {} } }, CreateTaskResultSchema);
    const id = created.task.taskId;
    assert.match(id, /^[0-9a-f]{32}$/);  // 128 bits
    assert.ok((await alice.experimental.tasks.listTasks()).tasks.some((t) => t.taskId === id));
    // To bob it is exactly an unknown task, whatever its state: the error of an id nobody has.
    const unknown = await bob.experimental.tasks.getTask('0'.repeat(32)).catch((e) => e);
    assert.match(unknown.message, /Task not found/);
    for (const attempt of [() => bob.experimental.tasks.getTask(id), () => bob.experimental.tasks.cancelTask(id),
      () => bob.experimental.tasks.getTaskResult(id, CallToolResultSchema)]) {
      const e = await attempt().catch((err) => err);
      assert.equal(e.code, unknown.code);
      assert.equal(e.message, unknown.message);
    }
    assert.ok(!(await bob.experimental.tasks.listTasks()).tasks.some((t) => t.taskId === id));
    // Still alice's: she gets its result.
    const result = await alice.experimental.tasks.getTaskResult(id, CallToolResultSchema);
    assert.match(result.content[0].text, /^done/);
  } finally {
    await alice.close();
    await bob.close();
    assert.equal(await gw.stop(), 0, gw.log());
  }
});
