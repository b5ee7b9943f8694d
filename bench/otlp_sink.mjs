// A local OTLP/HTTP receiver for the benchmarks: accepts POST /v1/traces in either encoding
// (protobuf or JSON), answers 200 and counts the spans; nothing is kept. Prints
// "listening PORT" once ready; on SIGTERM writes "spans N" to stderr.
//   node bench/otlp_sink.mjs [PORT]
import http from 'node:http';

// The fields of one protobuf message, as [field number, start, end] of each length-delimited
// one (others are skipped): enough to find ResourceSpans -> ScopeSpans -> spans.
function lengthFields(buf, start = 0, end = buf.length) {
  const out = [];
  let i = start;
  const varint = () => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = buf[i++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
  };
  while (i < end) {
    const tag = varint();
    const wire = tag % 8;
    if (wire === 0) varint();
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const n = varint();
      out.push([Math.floor(tag / 8), i, i + n]);
      i += n;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}

function countProtobuf(buf) {
  let n = 0;
  for (const [f, s, e] of lengthFields(buf)) {
    if (f !== 1) continue;  // resource_spans
    for (const [f2, s2, e2] of lengthFields(buf, s, e)) {
      if (f2 !== 2) continue;  // scope_spans
      n += lengthFields(buf, s2, e2).filter(([f3]) => f3 === 2).length;  // spans
    }
  }
  return n;
}

let spans = 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => { chunks.push(c); });
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    try {
      if (req.headers['content-type'] === 'application/x-protobuf') {
        spans += countProtobuf(body);
      } else {
        for (const rs of JSON.parse(body.toString()).resourceSpans ?? []) {
          for (const ss of rs.scopeSpans ?? []) spans += (ss.spans ?? []).length;
        }
      }
    } catch { /* a bad body still gets its answer */ }
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
process.on('SIGTERM', () => {
  console.error(`spans ${spans}`);
  process.exit(0);
});
