// A local OTLP/HTTP receiver for the benchmarks: accepts POST /v1/traces, answers 200 and
// counts the spans; nothing is kept. Prints "listening PORT" once ready; on SIGTERM writes
// "spans N" to stderr.
//   node bench/otlp_sink.mjs [PORT]
import http from 'node:http';

let spans = 0;
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    try {
      for (const rs of JSON.parse(body).resourceSpans ?? []) {
        for (const ss of rs.scopeSpans ?? []) spans += (ss.spans ?? []).length;
      }
    } catch { /* a bad body still gets its answer */ }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
process.on('SIGTERM', () => {
  console.error(`spans ${spans}`);
  process.exit(0);
});
