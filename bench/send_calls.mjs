// Sends N tools/call requests of the echo tool, one after another over one keep-alive
// connection of one MCP session, and checks each answer. For bench/request_cost.sh, which
// counts what the gateway spends on them.
//   node bench/send_calls.mjs URL N
const [url, countText] = process.argv.slice(2);
const count = Number(countText);
const version = '2025-11-25';
const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream',
  'mcp-protocol-version': version };
const post = async (body, session) => {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(body),
    headers: session ? { ...headers, 'mcp-session-id': session } : headers });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`HTTP ${res.status}: ${text}`);
  return { res, text };
};
const { res } = await post({ jsonrpc: '2.0', id: 0, method: 'initialize', params: {
  protocolVersion: version, capabilities: {}, clientInfo: { name: 'bench', version: '1' } } });
const session = res.headers.get('mcp-session-id');
await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, session);
for (let i = 1; i <= count; i++) {
  const { text } = await post({ jsonrpc: '2.0', id: i, method: 'tools/call',
    params: { name: 'echo', arguments: { text: 'hi' } } }, session);
  if (!text.includes('"hi"')) throw new Error(`unexpected answer: ${text}`);
}
