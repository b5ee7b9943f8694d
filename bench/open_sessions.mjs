// Opens N MCP sessions on a Streamable HTTP endpoint and prints their ids, comma-separated,
// for the load generator (one session per wrk thread).
//   node bench/open_sessions.mjs URL N
const [url, countText] = process.argv.slice(2);
const count = Number(countText || 1);
const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const ids = [];
for (let i = 0; i < count; i++) {
  const res = await fetch(url, {
    method: 'POST', headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: {
      protocolVersion: process.env.MCP_VERSION || '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }),
  });
  await res.text();
  const id = res.headers.get('mcp-session-id');
  if (res.status !== 200 || !id) throw new Error(`initialize failed: HTTP ${res.status}`);
  const note = await fetch(url, {
    method: 'POST', headers: { ...headers, 'mcp-session-id': id, 'mcp-protocol-version': process.env.MCP_VERSION || '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await note.text();
  ids.push(id);
}
console.log(ids.join(','));
