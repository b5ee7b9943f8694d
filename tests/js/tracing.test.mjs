// Traces that leave the device (issue 13): the tracing filter's spans over OTLP/HTTP, received
// by a fake collector in this test (an HTTP server that keeps what it is sent; named as a
// fake: a real collector would add nothing the assertions look at). It reads protobuf bodies
// with the OpenTelemetry JS project's decoder, generated from opentelemetry-proto, so the
// gateway's hand-written encoding is checked against the real schema; the front gateway sends
// protobuf (the default), the upstream one JSON. With the official SDK client: a request's
// spans continue the client's traceparent; a call that crosses gateway -> upstream gateway is
// one trace, the upstream's request span a child of the hop's span; and spans made while the
// collector is down wait and are delivered when it is back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startGateway } from './lib/gateway.mjs';

const otlp = createRequire(import.meta.url)(
  '@opentelemetry/otlp-transformer/build/src/generated/root.js').opentelemetry.proto;
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'edgegw-tracing-'));

// An OTLP protobuf request as OTLP JSON would write it (ids as hex, 64-bit integers as strings).
function protobufAsJson(body) {
  const message = otlp.collector.trace.v1.ExportTraceServiceRequest.decode(body);
  const hex = (b) => Buffer.from(b).toString('hex');
  return {
    resourceSpans: message.resourceSpans.map((rs) => ({
      resource: { attributes: rs.resource.attributes.map(toJsonAttribute) },
      scopeSpans: rs.scopeSpans.map((ss) => ({
        scope: { name: ss.scope.name },
        spans: ss.spans.map((s) => ({
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: s.parentSpanId?.length ? hex(s.parentSpanId) : undefined,
          name: s.name,
          kind: s.kind,
          startTimeUnixNano: s.startTimeUnixNano.toString(),
          endTimeUnixNano: s.endTimeUnixNano.toString(),
          attributes: s.attributes.map(toJsonAttribute),
          status: s.status ? { code: s.status.code, message: s.status.message } : undefined,
        })),
      })),
    })),
  };
}
function toJsonAttribute(a) {
  const v = a.value;
  return { key: a.key, value: v.stringValue != null && v.stringValue !== ''
    ? { stringValue: v.stringValue }
    : v.intValue != null ? { intValue: v.intValue.toString() } : { stringValue: '' } };
}

// The fake collector: every span of every POST to /v1/traces, with its resource's service and
// the encoding it came in.
function startCollector(port = 0) {
  const spans = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => { chunks.push(c); });
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      const body = Buffer.concat(chunks);
      const type = req.headers['content-type'];
      const encoding = type === 'application/x-protobuf' ? 'protobuf' : 'json';
      const request = encoding === 'protobuf' ? protobufAsJson(body) : JSON.parse(body.toString());
      for (const rs of request.resourceSpans) {
        const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
        for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, service, encoding });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({
    spans, port: server.address().port, stop: () => new Promise((r) => server.close(r)),
  })));
}

const attr = (span, key) => {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? v?.intValue;
};

async function until(condition, what, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

let collector;
let cloud;
let front;
let client;

function config(name, extra = '') {
  const file = path.join(home, `${name}.toml`);
  fs.writeFileSync(file, `
[server]
log_level = "error"
[telemetry]
otlp_endpoint = "http://127.0.0.1:${collector.port}"
service_name = "${name}"
export_interval_ms = 50
${extra}`);
  return file;
}

before(async () => {
  collector = await startCollector();
  cloud = await startGateway(['--config', config('cloud', 'otlp_protocol = "http/json"')]);
  front = await startGateway(['--config', config('front', `
[[upstream]]
name = "cloud"
url = "${cloud.url}"
`)]);
  client = new Client({ name: 'tracing-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(front.url)));
});

after(async () => {
  // Everything is stopped before anything is asserted, so a failed start cannot leave the
  // collector listening and the test process waiting on it.
  await client?.close();
  const frontExit = await front?.stop();
  const cloudExit = await cloud?.stop();
  await collector?.stop();
  fs.rmSync(home, { recursive: true, force: true });
  if (front) assert.equal(frontExit, 0, front.log());
  if (cloud) assert.equal(cloudExit, 0, cloud.log());
});

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

test('a request continues the client\'s trace: its span and its route step', async () => {
  const r = await client.callTool({ name: 'echo', arguments: { text: 'hi' },
    _meta: { traceparent: `00-${TRACE}-${PARENT}-01` } });
  assert.equal(r.content[0].text, 'hi');
  await until(() => collector.spans.some((s) => s.traceId === TRACE && s.name === 'catalog echo'),
    'the spans of the echo call');
  const server = collector.spans.find((s) => s.traceId === TRACE && s.name === 'tools/call echo');
  assert.ok(server, JSON.stringify(collector.spans.map((s) => s.name)));
  assert.equal(server.parentSpanId, PARENT);
  assert.equal(server.kind, 2);
  assert.equal(server.service, 'front');
  assert.equal(server.encoding, 'protobuf');
  assert.equal(attr(server, 'mcp.method.name'), 'tools/call');
  assert.equal(attr(server, 'gen_ai.tool.name'), 'echo');
  assert.equal(attr(server, 'network.transport'), 'tcp');
  const step = collector.spans.find((s) => s.traceId === TRACE && s.name === 'catalog echo');
  assert.equal(step.parentSpanId, server.spanId);
  assert.equal(attr(step, 'edgegw.outcome'), 'ok');
  assert.ok(BigInt(step.startTimeUnixNano) >= BigInt(server.startTimeUnixNano));
  assert.ok(BigInt(step.endTimeUnixNano) <= BigInt(server.endTimeUnixNano));
});

test('gateway -> upstream gateway is one trace, the upstream a child of the hop', async () => {
  const trace = 'a'.repeat(31) + '1';
  const r = await client.callTool({ name: 'cloud__echo', arguments: { text: 'far' },
    _meta: { traceparent: `00-${trace}-${PARENT}-01` } });
  assert.equal(r.content[0].text, 'far');
  // Each gateway exports on its own schedule: wait for both.
  await until(() => collector.spans.some((s) => s.traceId === trace && s.service === 'cloud' &&
    s.name === 'tools/call echo') && collector.spans.some((s) => s.traceId === trace &&
    s.name === 'upstream cloud'), 'the spans of both gateways');
  const hop = collector.spans.find((s) => s.traceId === trace && s.name === 'upstream cloud');
  assert.ok(hop, JSON.stringify(collector.spans.filter((s) => s.traceId === trace).map((s) => s.name)));
  assert.equal(hop.kind, 3);
  assert.equal(hop.service, 'front');
  const upstream = collector.spans.find((s) => s.traceId === trace && s.service === 'cloud' &&
    s.name === 'tools/call echo');
  assert.equal(upstream.parentSpanId, hop.spanId);
  assert.equal(upstream.encoding, 'json');
  // Every span of the call, on both gateways, has the one trace id.
  const services = new Set(collector.spans.filter((s) => s.traceId === trace).map((s) => s.service));
  assert.deepEqual([...services].sort(), ['cloud', 'front']);
});

test('a request without a traceparent starts a trace of its own', async () => {
  const before = collector.spans.length;
  await client.callTool({ name: 'echo', arguments: { text: 'new' } });
  await until(() => collector.spans.slice(before).some((s) => s.name === 'tools/call echo'),
    'the new trace');
  const span = collector.spans.slice(before).find((s) => s.name === 'tools/call echo');
  assert.match(span.traceId, /^[0-9a-f]{32}$/);
  assert.notEqual(span.traceId, TRACE);
  assert.equal(span.parentSpanId ?? '', '');
});

test('spans made while the collector is down wait, and are delivered when it is back', async () => {
  const port = collector.port;
  await collector.stop();
  const trace = 'b'.repeat(31) + '2';
  for (let i = 0; i < 5; i++) {
    await client.callTool({ name: 'echo', arguments: { text: `offline ${i}` },
      _meta: { traceparent: `00-${trace}-${PARENT}-01` } });
  }
  const metric = async (name) => {
    const text = await (await fetch(`${front.base}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(name));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  await until(async () => (await metric('edgegw_trace_export_failures_total')) > 0, 'a failed export');
  assert.ok(await metric('edgegw_trace_spans_buffered') > 0);
  collector = await startCollector(port);
  await until(() => collector.spans.filter((s) => s.traceId === trace && s.name === 'tools/call echo').length === 5,
    'the held spans to arrive');
  assert.equal(await metric('edgegw_trace_spans_dropped_total'), 0);
});
