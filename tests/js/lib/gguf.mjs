// A minimal GGUF (v3) reader for tests: finds tensors in a file so that a test can alter their
// bytes, as a faulty kernel would see them. Only what the tests need: the header, the
// metadata (skipped, but for general.alignment), the tensor table, and Q8_0/Q4_0 block scales.
import fs from 'node:fs';

const kBlock = { 2: { bytes: 18, values: 32 }, 8: { bytes: 34, values: 32 } };  // Q4_0, Q8_0
const kScalar = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

function reader(buf) {
  let at = 0;
  const r = {
    u32() { const v = buf.readUInt32LE(at); at += 4; return v; },
    u64() { const v = Number(buf.readBigUInt64LE(at)); at += 8; return v; },
    str() { const n = r.u64(); const s = buf.toString('utf8', at, at + n); at += n; return s; },
    skip(n) { at += n; },
    get at() { return at; },
  };
  return r;
}

function readValue(r, type) {
  if (type === 8) return r.str();
  if (type === 9) {
    const elem = r.u32();
    const n = r.u64();
    for (let i = 0; i < n; i++) readValue(r, elem);
    return undefined;
  }
  if (type === 4) return r.u32();
  if (!(type in kScalar)) throw new Error(`GGUF: unknown value type ${type}`);
  r.skip(kScalar[type]);
  return undefined;
}

// The tensors of a GGUF file: [{ name, dims, type, start }] with `start` the byte offset of
// the tensor's data in the file.
export function tensors(buf) {
  const r = reader(buf);
  if (buf.toString('latin1', 0, 4) !== 'GGUF') throw new Error('not a GGUF file');
  r.skip(4);
  const version = r.u32();
  if (version !== 3) throw new Error(`GGUF version ${version}, expected 3`);
  const nTensors = r.u64();
  const nKv = r.u64();
  let alignment = 32;
  for (let i = 0; i < nKv; i++) {
    const key = r.str();
    const v = readValue(r, r.u32());
    if (key === 'general.alignment') alignment = v;
  }
  const list = [];
  for (let i = 0; i < nTensors; i++) {
    const name = r.str();
    const dims = Array.from({ length: r.u32() }, () => r.u64());
    const type = r.u32();
    list.push({ name, dims, type, offset: r.u64() });
  }
  const data = Math.ceil(r.at / alignment) * alignment;
  return list.map(({ offset, ...t }) => ({ ...t, start: data + offset }));
}

function halfToFloat(h) {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

// float -> IEEE half, rounded to nearest even.
function halfFromFloat32(v) {
  const buf = Buffer.alloc(4);
  buf.writeFloatLE(v);
  const x = buf.readUInt32LE();
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp <= 0) {  // subnormal half
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  if (exp >= 31) return sign | 0x7c00;
  let h = sign | (exp << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
  return h;
}

// Multiplies the scale of every block of the quantized tensors whose names match `pattern` by
// `factor` (in place, in `buf`); returns how many blocks changed.
export function scaleBlocks(buf, pattern, factor) {
  let changed = 0;
  for (const t of tensors(buf)) {
    const block = kBlock[t.type];
    if (!block || !pattern.test(t.name)) continue;
    const n = t.dims.reduce((a, b) => a * b, 1) / block.values;
    for (let i = 0; i < n; i++) {
      const at = t.start + i * block.bytes;
      const d = halfToFloat(buf.readUInt16LE(at));
      buf.writeUInt16LE(halfFromFloat32(d * factor), at);
      changed++;
    }
  }
  return changed;
}

// Copies `from` to `to` with scaleBlocks applied.
export function writeScaledCopy(from, to, pattern, factor) {
  const buf = fs.readFileSync(from);
  const changed = scaleBlocks(buf, pattern, factor);
  fs.writeFileSync(to, buf);
  return changed;
}
