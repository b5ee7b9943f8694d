// Benchmark (issues 5 and 12): edgegw's local GGUF engine against llama.cpp on the same files,
// in one run.
//
// For each synthesized model (about 15M, 110M, 500M and 1.1B parameters, Q8_0 and Q4_0,
// llama-like shapes), and each thread count, the engines prefill the same 128-token prompt and
// greedily decode: n = 129 tokens, so decode is the 128 single-token steps after the first
// sampled one. Three runners:
//   - edgegw: `edgegw generate --json` (a fresh process per repetition; load not timed);
//   - llama.cpp through node-llama-cpp's prebuilt CPU build (tests/llama/llama_ref.mjs: flash
//     attention off, F16 KV cache, the whole prompt in one batch), model loaded once per thread
//     count, a fresh context per repetition;
//   - llama-bench, llama.cpp's own benchmark built from the same release's source for this CPU
//     (tools/llama_bench; -p 128 -n 128, flash attention off, F16 KV cache), when present.
// One method for all: each engine's own counters around its forward passes. edgegw reports
// prefill_ms and decode_eval_ms (the time inside the single-token evaluations; sampling out);
// llama.cpp through the binding reports its llama_perf_context figures (prompt eval time, eval
// time: the same boundary, counted by llama.cpp); llama-bench times its llama_decode calls.
// The binding's own wall clock around its token iterator is kept in the JSON as
// binding_wall_ms: it adds the binding's per-token cost, which is not llama.cpp's.
// Each configuration runs --reps times, the engines alternating; the best prefill and the best
// decode of each runner count (the same rule for all). The ceiling is the measured memory read
// bandwidth at that thread count (build/release/bin/memory_bandwidth, the median of five
// probes) divided by the bytes of weights one decoded token reads (`edgegw model info`:
// bytes_per_token); "weights / LLC" says how many times the last-level cache those bytes are.
// edgegw's and the binding's greedy tokens must agree; the table says so, or where they first
// differ. A second table sets each engine at its own best thread count.
// With --wasm, the 15M models also decode through edgegw.wasm under Node's WASI (one thread),
// against native edgegw on one thread.
//
// Run from the repo root. scripts/deps installs the llama.cpp reference (tests/llama); the
// release build gives edgegw and memory_bandwidth (cmake --build build/release --target
// edgegw memory_bandwidth); tools/llama_bench builds llama-bench; scripts/deps --wasm and the
// wasm build give edgegw.wasm:
//   node bench/engine_generate.mjs [--sizes 15m,110m,500m,1b] [--types q8_0,q4_0]
//     [--threads 1,2] [--reps 3] [--models var/bench-models] [--out var/bench-engine.json]
//     [--edgegw build/release/bin/edgegw] [--bandwidth build/release/bin/memory_bandwidth]
//     [--llama-bench var/llama.cpp/build/bin/llama-bench | none] [--kernels NAME]
//     [--wasm build/wasm/bin/edgegw.wasm] [--quick]
// --quick: the 15M models only, one repetition (a smoke test). Models are synthesized into
// --models when missing (or of another shape) and reused after. Nothing else should run on
// the machine meanwhile.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

const SHAPES = {
  '15m': { layers: 6, dim: 288, heads: 6, 'kv-heads': 6, ff: 768, vocab: 16000, seed: 15 },
  '110m': { layers: 12, dim: 768, heads: 12, 'kv-heads': 12, ff: 2048, vocab: 16000, seed: 110 },
  '500m': { layers: 24, dim: 1280, heads: 20, 'kv-heads': 4, ff: 3584, vocab: 32000, seed: 500 },
  '1b': { layers: 22, dim: 2048, heads: 32, 'kv-heads': 4, ff: 5632, vocab: 32000, seed: 1100 },
};
const CTX = 512;
const PROMPT = 128;
const DECODE = 128;  // single-token steps timed; n = DECODE + 1

function parseArgs(argv) {
  const o = {
    edgegw: 'build/release/bin/edgegw', bandwidth: 'build/release/bin/memory_bandwidth',
    models: 'var/bench-models', sizes: '15m,110m,500m,1b', types: 'q8_0,q4_0', threads: '1,2',
    reps: '3', out: 'var/bench-engine.json', wasm: '', kernels: '', quick: false,
    'llama-bench': 'var/llama.cpp/build/bin/llama-bench',
  };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (argv[i] === '--quick') o.quick = true;
    else if (argv[i].startsWith('--') && key in o && i + 1 < argv.length) o[key] = argv[++i];
    else usage(`unknown or incomplete flag '${argv[i]}'`);
  }
  const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
  const args = {
    ...o, sizes: list(o.sizes), types: list(o.types), threads: list(o.threads).map(Number), reps: Number(o.reps),
  };
  if (o.quick) Object.assign(args, { sizes: ['15m'], reps: 1 });
  for (const s of args.sizes) if (!SHAPES[s]) usage(`unknown size '${s}' (${Object.keys(SHAPES).join(', ')})`);
  for (const t of args.types) if (!['q8_0', 'q4_0'].includes(t)) usage(`unknown type '${t}' (q8_0, q4_0)`);
  if (!args.threads.every((t) => t >= 1) || !(args.reps >= 1)) usage('--threads and --reps take positive numbers');
  return args;
}

function usage(message) {
  console.error(`engine_generate: ${message}\nsee the header of bench/engine_generate.mjs for the flags`);
  process.exit(2);
}

const args = parseArgs(process.argv.slice(2));

let ref;
try {
  ref = await import('../tests/llama/llama_ref.mjs');
} catch (err) {
  console.error(`engine_generate: the llama.cpp reference is not installed (run scripts/deps): ${err.message}`);
  process.exit(1);
}

function run(bin, argv, options = {}) {
  try {
    return execFileSync(bin, argv, {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26, ...options,
    });
  } catch (err) {
    const why = (err.stderr || err.message).trim();
    throw new Error(`${path.basename(bin)} ${argv.slice(0, 2).join(' ')} failed: ${why}`);
  }
}
const edgegwJson = (...argv) => JSON.parse(run(args.edgegw, argv));

// A deterministic prompt of `n` ordinary tokens (ids past the control and byte tokens), BOS first.
function prompt(n, vocab, seed) {
  let s = seed;
  const ids = [1];
  while (ids.length < n) {
    s = (s * 1103515245 + 12345) >>> 0;
    ids.push(259 + (s % (vocab - 259)));
  }
  return ids;
}

// The model file of `size` and `type`, synthesized unless one of that shape is already there.
function model(size, type) {
  const shape = SHAPES[size];
  const file = path.join(args.models, `${size}-${type}.gguf`);
  if (fs.existsSync(file)) {
    const info = edgegwJson('model', 'info', file);
    const same = info.type.toLowerCase() === type && info.context === CTX && info.vocab === shape.vocab &&
      info.layers === shape.layers && info.dim === shape.dim && info.heads === shape.heads &&
      info.kv_heads === shape['kv-heads'] && info.ff === shape.ff;
    if (same) return { file, info };
  }
  fs.mkdirSync(args.models, { recursive: true });
  const partial = `${file}.partial`;
  const flags = Object.entries(shape).flatMap(([k, v]) => [`--${k}`, String(v)]);
  console.error(`synthesizing ${file}`);
  run(args.edgegw, ['model', 'synth', '--out', partial, '--type', type, '--ctx', String(CTX), ...flags]);
  fs.renameSync(partial, file);
  return { file, info: edgegwJson('model', 'info', file) };
}

function edgegwGenerate(file, ids, threads) {
  const argv = ['generate', '--model', file, '--prompt-tokens', ids.join(','), '-n', String(DECODE + 1),
    '--temp', '0', '--ignore-eos', '--json', '--threads', String(threads)];
  if (args.kernels) argv.push('--kernels', args.kernels);
  return edgegwTimings(JSON.parse(run(args.edgegw, argv)), 'edgegw');
}

// The forward-pass times of one `generate --json` answer (native or wasm).
function edgegwTimings(r, what) {
  const t = r.timings;
  if (t.decode_eval_ms === undefined) throw new Error(`${what} reports no decode_eval_ms: rebuild it`);
  return { tokens: r.tokens, prefillMs: t.prefill_ms, decodeMs: t.decode_eval_ms, kernels: r.kernels };
}

// llama.cpp through the binding: its own counters, checked to cover the same steps.
async function llamaGenerate(llamaModel, ids, threads) {
  const r = await ref.greedy(llamaModel, ids, DECODE + 1, { threads, perf: true });
  if (r.perf.promptTokens !== PROMPT || r.perf.evalRuns !== DECODE) {
    throw new Error(`llama.cpp counted ${r.perf.promptTokens} prompt tokens and ${r.perf.evalRuns} ` +
      `single-token steps, not ${PROMPT} and ${DECODE}`);
  }
  return { tokens: r.tokens, prefillMs: r.perf.promptMs, decodeMs: r.perf.evalMs,
    bindingWallMs: { prefill: r.prefillMs, decode: r.decodeMs } };
}

// llama-bench on `file`: the best prompt and generation time over its repetitions, or null.
function llamaBench(file, threads) {
  if (!llamaBenchBin) return null;
  const out = JSON.parse(run(llamaBenchBin, ['-m', file, '-p', String(PROMPT), '-n', String(DECODE),
    '-t', String(threads), '-r', String(args.reps), '-fa', '0', '-ctk', 'f16', '-ctv', 'f16', '-o', 'json']));
  const bestMs = (test) => Math.min(...test.samples_ns) / 1e6;
  const pp = out.find((t) => t.n_prompt === PROMPT && t.n_gen === 0);
  const tg = out.find((t) => t.n_prompt === 0 && t.n_gen === DECODE);
  if (!pp || !tg) throw new Error('llama-bench gave no pp and tg results');
  return { prefillMs: bestMs(pp), decodeMs: bestMs(tg), build: { commit: pp.build_commit, cpu: pp.cpu_info } };
}

// The same through edgegw.wasm under Node's WASI. The runner preopens only its working directory
// (as '.'), so it runs in the models folder and is given the file's base name.
function wasmGenerate(file, ids) {
  const runner = path.join(here, '../tools/wasi/run-wasi.mjs');
  const r = spawnSync(process.execPath, ['--no-warnings', runner, path.resolve(args.wasm), 'generate',
    '--model', path.basename(file), '--prompt-tokens', ids.join(','), '-n', String(DECODE + 1),
    '--temp', '0', '--ignore-eos', '--json'], { cwd: path.dirname(file), encoding: 'utf8', maxBuffer: 1 << 26 });
  let out;
  try {
    out = JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    const stderr = (r.stderr || '').trim().split('\n');
    const why = stderr.find((l) => /error|edgegw/i.test(l)) || stderr[0] || r.error?.message || `exit ${r.status}`;
    throw new Error(`edgegw.wasm generate failed: ${why}`);
  }
  return edgegwTimings(out, 'edgegw.wasm');
}

// Best (lowest) prefill and decode times over the repetitions, as tokens per second.
function best(runs) {
  const prefillMs = Math.min(...runs.map((r) => r.prefillMs));
  const decodeMs = Math.min(...runs.map((r) => r.decodeMs));
  return rates({ prefillMs, decodeMs });
}

// 'agree', or where the token lists first differ.
function agreement(a, b) {
  if (a.length !== b.length) return `lengths ${a.length} vs ${b.length}`;
  const i = a.findIndex((t, k) => t !== b[k]);
  return i < 0 ? 'agree' : `differ at ${i}`;
}

// The median of five probes: on a shared VM one probe can land 40% off either way.
function bandwidth(threads) {
  if (!fs.existsSync(args.bandwidth)) return null;
  const probes = Array.from({ length: 5 }, () =>
    JSON.parse(run(args.bandwidth, ['--threads', String(threads)])).gib_per_s);
  return probes.sort((a, b) => a - b)[2];
}

// The data and unified caches of cpu0 as the kernel lists them: { L1: bytes, L2: ..., L3: ... }.
function caches() {
  const out = {};
  for (let i = 0; i < 8; i++) {
    const dir = `/sys/devices/system/cpu/cpu0/cache/index${i}`;
    try {
      if (fs.readFileSync(`${dir}/type`, 'utf8').trim() === 'Instruction') continue;
      const level = fs.readFileSync(`${dir}/level`, 'utf8').trim();
      const m = fs.readFileSync(`${dir}/size`, 'utf8').trim().match(/^(\d+)([KMG]?)/);
      out[`L${level}`] = Number(m[1]) * { '': 1, K: 1024, M: 1 << 20, G: 1 << 30 }[m[2]];
    } catch {
      break;
    }
  }
  return out;
}

// The CPU features that pick kernels (edgegw's and llama.cpp's), as /proc/cpuinfo names them.
function cpuFeatures() {
  const wanted = ['avx2', 'fma', 'f16c', 'avx512f', 'avx512_vnni', 'avx512_bf16', 'avx512_fp16', 'avx_vnni',
    'amx_tile', 'amx_int8', 'asimddp', 'i8mm', 'sve'];
  try {
    const line = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^(?:flags|Features)\s*:(.*)$/m);
    const have = new Set(line ? line[1].trim().split(/\s+/) : []);
    return wanted.filter((f) => have.has(f));
  } catch {
    return [];
  }
}

const fmt = (x) => (x == null || !Number.isFinite(x) ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const ratio = (a, b) => (a && b ? (a / b).toFixed(2) : '-');
const pct = (a, b) => (a && b ? `${((100 * a) / b).toFixed(0)}%` : '-');
const mib = (bytes) => (!bytes ? '-' : bytes < 2 ** 20 ? `${(bytes / 1024).toFixed(0)} KiB` : `${(bytes / 2 ** 20).toFixed(0)} MiB`);
const rates = ({ prefillMs, decodeMs }) => ({ prefill: (PROMPT * 1000) / prefillMs, decode: (DECODE * 1000) / decodeMs,
  prefillMs, decodeMs });

// --- measure ---------------------------------------------------------------------------------

const llamaPackage = JSON.parse(
  fs.readFileSync(path.join(here, '../tests/llama/node_modules/node-llama-cpp/package.json'), 'utf8'));
const llamaRelease = (await ref.openLlama(Math.max(...args.threads))).llamaCppRelease;
const cacheSizes = caches();
const machine = { cpu: os.cpus()[0]?.model, cpus: os.cpus().length, memory_gib: os.totalmem() / 2 ** 30,
  caches: cacheSizes, last_level_cache_bytes: cacheSizes.L3 ?? cacheSizes.L2 ?? 0, features: cpuFeatures(),
  node: process.version };
let llamaBenchBin = null;
let llamaBenchNote = '';
if (args['llama-bench'] === 'none') llamaBenchNote = 'skipped (--llama-bench none)';
else if (!fs.existsSync(args['llama-bench'])) llamaBenchNote = `skipped (${args['llama-bench']} not built: tools/llama_bench)`;
else llamaBenchBin = path.resolve(args['llama-bench']);
const report = {
  date: new Date().toISOString(), machine,
  llama: { node_llama_cpp: llamaPackage.version, llama_cpp: llamaRelease, llama_bench: llamaBenchBin ?? llamaBenchNote },
  method: 'each engine\'s own counters around its forward passes; best of the repetitions',
  prompt_tokens: PROMPT, decode_steps: DECODE, reps: args.reps, bandwidth_gib_per_s: {}, rows: [], wasm: null,
};

for (const t of args.threads) report.bandwidth_gib_per_s[t] = bandwidth(t);
if (report.bandwidth_gib_per_s[args.threads[0]] == null) {
  console.error(`engine_generate: ${args.bandwidth} not found; no ceiling (build the memory_bandwidth target)`);
}

const native1 = new Map();  // file -> edgegw 1-thread runs, for the wasm comparison
for (const size of args.sizes) {
  for (const type of args.types) {
    const { file, info } = model(size, type);
    const ids = prompt(PROMPT, info.vocab, 1000 + SHAPES[size].seed);
    for (const threads of args.threads) {
      console.error(`${size} ${type}, ${threads} thread(s)`);
      const llamaModel = await ref.loadModel(path.resolve(file), { threads });
      const ours = [];
      const theirs = [];
      try {
        for (let rep = 0; rep < args.reps; rep++) {
          ours.push(edgegwGenerate(file, ids, threads));
          theirs.push(await llamaGenerate(llamaModel, ids, threads));
        }
      } finally {
        await llamaModel.dispose();
      }
      const bench = llamaBench(path.resolve(file), threads);
      if (threads === 1) native1.set(file, ours);
      const gib = report.bandwidth_gib_per_s[threads];
      const ceiling = gib ? (gib * 2 ** 30) / info.bytes_per_token : null;
      const steady = ours.every((r) => agreement(r.tokens, ours[0].tokens) === 'agree') &&
        theirs.every((r) => agreement(r.tokens, theirs[0].tokens) === 'agree');
      const llama = best(theirs);
      const wall = best(theirs.map((r) => ({ prefillMs: r.bindingWallMs.prefill, decodeMs: r.bindingWallMs.decode })));
      report.rows.push({
        size, type, file, parameters: info.parameters, bytes_per_token: info.bytes_per_token, threads,
        weights_over_llc: machine.last_level_cache_bytes ? info.bytes_per_token / machine.last_level_cache_bytes : null,
        kernels: ours[0].kernels, edgegw: best(ours), llama, llama_bench: bench && rates(bench),
        binding_wall: wall, binding_us_per_step: (1000 * (wall.decodeMs - llama.decodeMs)) / DECODE,
        ceiling_tokens_per_s: ceiling,
        tokens: agreement(ours[0].tokens, theirs[0].tokens) + (steady ? '' : ' (repetitions differ)'),
        runs: {
          edgegw: ours.map(({ prefillMs, decodeMs }) => ({ prefillMs, decodeMs })),
          llama: theirs.map(({ prefillMs, decodeMs, bindingWallMs }) => ({ prefillMs, decodeMs, bindingWallMs })),
        },
      });
    }
  }
}

if (args.wasm) {
  report.wasm = { module: args.wasm, rows: [] };
  try {
    if (!fs.existsSync(args.wasm)) throw new Error(`${args.wasm} not found`);
    for (const type of args.types) {
      const { file, info } = model('15m', type);
      const ids = prompt(PROMPT, info.vocab, 1000 + SHAPES['15m'].seed);
      console.error(`wasm: 15m ${type}`);
      if (!native1.has(file)) {
        native1.set(file, Array.from({ length: args.reps }, () => edgegwGenerate(file, ids, 1)));
      }
      const runs = Array.from({ length: args.reps }, () => wasmGenerate(file, ids));
      const native = best(native1.get(file));
      const wasm = best(runs);
      report.wasm.rows.push({ size: '15m', type, kernels: runs[0].kernels, native, wasm,
        decode_vs_native: wasm.decode / native.decode,
        tokens: agreement(runs[0].tokens, native1.get(file)[0].tokens) });
    }
  } catch (err) {
    report.wasm.skipped = err.message;
  }
}

// --- report ----------------------------------------------------------------------------------

fs.mkdirSync(path.dirname(args.out), { recursive: true });
fs.writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);

// llama.cpp's better runner on one row: { prefill, decode } with where each came from.
function llamaBest(r) {
  const pick = (key) => {
    const b = r.llama_bench?.[key];
    return b && b > r.llama[key] ? { rate: b, by: 'llama-bench' } : { rate: r.llama[key], by: 'binding' };
  };
  return { prefill: pick('prefill'), decode: pick('decode') };
}

const lines = [];
const row = (cells) => lines.push(`| ${cells.join(' | ')} |`);
const header = (cells) => { row(cells); row(cells.map(() => '---')); };
const gibs = Object.entries(report.bandwidth_gib_per_s)
  .map(([t, g]) => `${t} thread(s) ${g == null ? '-' : g.toFixed(1)} GiB/s`);
const cacheText = Object.entries(machine.caches).map(([k, v]) => `${k} ${mib(v)}`).join(', ');
lines.push(`edgegw engine vs llama.cpp ${llamaRelease?.release ?? ''} (node-llama-cpp ${llamaPackage.version}` +
  `${llamaBenchBin ? ', and its llama-bench built for this CPU' : ''}), ${report.date.slice(0, 10)}`);
lines.push(`${machine.cpu}, ${machine.cpus} CPUs, ${cacheText} (cpu0's view), ${machine.features.join(' ')}`);
lines.push(`prompt ${PROMPT} tokens, decode ${DECODE} steps, best of ${args.reps}, each engine's own counters; ` +
  `memory read bandwidth ${gibs.join(', ')}`);
if (llamaBenchNote) lines.push(`llama-bench: ${llamaBenchNote}`);
lines.push('');
header(['model', 'type', 'weights / LLC', 'threads', 'kernels', 'prefill tok/s edgegw', 'llama.cpp binding',
  'llama-bench', 'x', 'decode tok/s edgegw', 'llama.cpp binding', 'llama-bench', 'x', 'ceiling tok/s',
  'edgegw % of ceiling', 'llama.cpp % of ceiling', 'greedy tokens']);
for (const r of report.rows) {
  const ceiling = r.ceiling_tokens_per_s;
  const l = llamaBest(r);
  row([r.size, r.type.toUpperCase(), r.weights_over_llc == null ? '-' : `${r.weights_over_llc.toFixed(1)}x`,
    r.threads, r.kernels,
    fmt(r.edgegw.prefill), fmt(r.llama.prefill), fmt(r.llama_bench?.prefill), ratio(r.edgegw.prefill, l.prefill.rate),
    fmt(r.edgegw.decode), fmt(r.llama.decode), fmt(r.llama_bench?.decode), ratio(r.edgegw.decode, l.decode.rate),
    fmt(ceiling), pct(r.edgegw.decode, ceiling), pct(l.decode.rate, ceiling), r.tokens]);
}
lines.push('', 'x: edgegw over the better of llama.cpp\'s two runners at the same thread count. ' +
  'weights / LLC under 1: the weights one token reads fit in the last-level cache, and the ' +
  'memory-bandwidth ceiling does not bind.');

// Each engine at its own best thread count (over both of llama.cpp's runners).
const models = [...new Set(report.rows.map((r) => `${r.size} ${r.type}`))];
if (args.threads.length > 1) {
  lines.push('');
  header(['model', 'type', 'prefill tok/s edgegw', 'llama.cpp', 'x', 'decode tok/s edgegw', 'llama.cpp', 'x']);
  for (const name of models) {
    const rows = report.rows.filter((r) => `${r.size} ${r.type}` === name);
    const top = (list) => list.reduce((a, b) => (b.rate > a.rate ? b : a));
    const cell = (c) => `${fmt(c.rate)} (${c.by ? `${c.by}, ` : ''}${c.threads}t)`;
    const line = [];
    for (const key of ['prefill', 'decode']) {
      const e = top(rows.map((r) => ({ rate: r.edgegw[key], threads: r.threads })));
      const l = top(rows.map((r) => ({ ...llamaBest(r)[key], threads: r.threads })));
      line.push(cell(e), cell(l), ratio(e.rate, l.rate));
    }
    const [size, type] = name.split(' ');
    row([size, type.toUpperCase(), ...line]);
  }
}
const overhead = report.rows.map((r) => r.binding_us_per_step);
lines.push('', `node-llama-cpp's wall clock around its token iterator adds ${fmt(Math.min(...overhead))}-` +
  `${fmt(Math.max(...overhead))} us per decode step to llama.cpp's own eval time (not counted above).`);

if (report.wasm) {
  lines.push('');
  if (report.wasm.skipped) {
    lines.push(`wasm: skipped (${report.wasm.skipped})`);
  } else {
    header(['wasm (1 thread)', 'kernels', 'decode tok/s wasm', 'native', 'wasm / native', 'prefill tok/s wasm',
      'native', 'greedy tokens vs native']);
    for (const w of report.wasm.rows) {
      row([`${w.size} ${w.type.toUpperCase()}`, w.kernels, fmt(w.wasm.decode), fmt(w.native.decode),
        pct(w.wasm.decode, w.native.decode), fmt(w.wasm.prefill), fmt(w.native.prefill), w.tokens]);
    }
  }
}

// Issue 5's targets, for its 2-thread runs: decode >= 1.0x llama.cpp and >= 70% of the
// ceiling from 110M up, prefill >= 0.8x llama.cpp; and wasm decode >= 40% of native. llama.cpp
// is the better of its runners at the same thread count. Other thread counts are held to the
// same figures as a reference and listed apart.
const misses = [];
const reference = [];
for (const r of report.rows) {
  const name = `${r.size} ${r.type} ${r.threads}t`;
  const list = r.threads === 2 ? misses : reference;
  const { edgegw: e, ceiling_tokens_per_s: ceiling } = r;
  const l = llamaBest(r);
  if (e.prefill < 0.8 * l.prefill.rate) list.push(`${name} prefill ${ratio(e.prefill, l.prefill.rate)}x < 0.8x`);
  if (r.size === '15m') continue;
  if (e.decode < l.decode.rate) list.push(`${name} decode ${ratio(e.decode, l.decode.rate)}x < 1.0x`);
  if (ceiling && e.decode < 0.7 * ceiling) list.push(`${name} decode ${pct(e.decode, ceiling)} of ceiling < 70%`);
}
for (const w of report.wasm?.rows ?? []) {
  const share = pct(w.wasm.decode, w.native.decode);
  if (w.decode_vs_native < 0.4) misses.push(`wasm ${w.type} decode ${share} of native < 40%`);
}
const targetRows = report.rows.some((r) => r.threads === 2) || report.wasm?.rows?.length;
lines.push('', !targetRows ? 'targets: no 2-thread or wasm rows in this run'
  : misses.length ? `targets missed: ${misses.join('; ')}` : 'targets (2 threads, wasm): all met');
if (reference.length) lines.push(`other thread counts, short of the same figures: ${reference.join('; ')}`);
lines.push(`(JSON with every repetition: ${args.out})`);
console.log(lines.join('\n'));
