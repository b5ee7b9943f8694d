// FaultyUpstream: a FAKE MCP server over Streamable HTTP, for faults the real servers cannot
// produce on demand (HTTP 500/503/429, a call that hangs, an SSE stream that drops). It
// speaks just enough MCP for the gateway: initialize, notifications, tools/list (one tool,
// "work"), tools/call, DELETE. Each tools/call takes the next fault from a queue set by the
// test; it counts what it saw so tests can assert attempts and cancellations.
import http from 'node:http';
import https from 'node:https';

// `tls`: { key, cert } (PEM) serves HTTPS instead of HTTP; `port` reuses a port (a restart).
export async function startFaultyUpstream({ tls, port = 0 } = {}) {
  const faults = [];   // for the next tools/call attempts: 'ok', 503, 429, 500, 'hang', 'drop-resumable', 'drop'
  let always = 'ok';   // once the queue is empty
  const seen = { calls: 0, cancelled: 0, sessions: new Set(), deleted: 0, resumes: 0, traces: [], headers: null,
    runs: new Map(),         // idempotency key -> times it ran (a repeated key is answered, not run again)
    deliveries: new Map() }; // idempotency key -> times it arrived
  const pending = new Map();  // event id -> JSON-RPC response to deliver on resume
  const hanging = new Set();
  let nextSession = 1;
  let nextEvent = 1;

  const result = (id, text) => JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }] } });

  const handler = (req, res) => {
    if (req.method === 'DELETE') {
      seen.sessions.delete(req.headers['mcp-session-id']);
      seen.deleted += 1;
      res.writeHead(200).end();
      return;
    }
    if (req.method === 'GET') {
      const last = req.headers['last-event-id'];
      if (!last || !pending.has(last)) { res.writeHead(405).end(); return; }
      seen.resumes += 1;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`id: ${last}-r\ndata: ${pending.get(last)}\n\n`);
      pending.delete(last);
      return;
    }
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const msg = JSON.parse(body);
      if (msg.method === 'initialize') {
        const sid = `s${nextSession++}`;
        seen.sessions.add(sid);
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': sid });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: {
          protocolVersion: msg.params.protocolVersion, capabilities: { tools: {} },
          serverInfo: { name: 'faulty-upstream (fake)', version: '1' } } }));
        return;
      }
      if (msg.id === undefined) {  // notification or response
        if (msg.method === 'notifications/cancelled') seen.cancelled += 1;
        res.writeHead(202).end();
        return;
      }
      if (msg.method === 'tools/list') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { tools: [
          { name: 'work', inputSchema: { type: 'object' } }] } }));
        return;
      }
      if (msg.method === 'ping') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: {} }));
        return;
      }
      seen.calls += 1;
      seen.headers = req.headers;
      seen.keys = seen.keys || [];
      seen.keys.push(msg.params?._meta?.['io.edgegw/idempotency-key']);
      seen.traces.push({ header: req.headers.traceparent, meta: msg.params?._meta?.traceparent });
      const fault = faults.length ? faults.shift() : always;
      if (fault === 503 || fault === 500) {
        res.writeHead(fault, { 'content-type': 'text/plain' }).end(`fake ${fault}`);
      } else if (fault === 429) {
        res.writeHead(429, { 'retry-after': '1' }).end();
      } else if (fault === 'hang') {
        hanging.add(res);  // never answered; the gateway must time out
      } else if (fault === 'drop-resumable') {
        const id = `e${nextEvent++}`;
        pending.set(id, result(msg.id, 'resumed'));
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`id: ${id}\nretry: 50\ndata: \n\n`);  // stream ends before the answer
      } else if (fault === 'drop') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(': no id, nothing to resume from\n\n');
      } else {
        const key = msg.params?._meta?.['io.edgegw/idempotency-key'];
        if (key !== undefined) {
          seen.deliveries.set(key, (seen.deliveries.get(key) ?? 0) + 1);
          seen.runs.set(key, 1);  // an idempotent upstream runs a key once, however often it arrives
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(result(msg.id, `done ${seen.calls}`));
      }
    });
  };
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handler) : http.createServer(handler);
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${server.address().port}/mcp`,
    seen,
    queue(...f) { faults.push(...f); },
    setAlways(f) { always = f; },
    async stop() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

// A gateway config whose only upstream is `url` (named "cloud"), with cloud__work routed to
// the offline queue when the cloud cannot take it.
export function queueingGatewayConfig(url, { logLevel = 'warning', startupWait = 1 } = {}) {
  return `
[server]
log_level = "${logLevel}"
upstream_startup_wait_seconds = ${startupWait}
[catalog]
packs = []
[[upstream]]
name = "cloud"
url = "${url}"
retry_max_attempts = 1
ping_interval_seconds = 0
[[route]]
tool = "cloud__work"
chain = ["cloud"]
queueable = true
`;
}
