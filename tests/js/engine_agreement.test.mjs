// edgegw's engine against llama.cpp (node-llama-cpp's prebuilt CPU build) on the same files:
// `edgegw model synth` writes models of several shapes (grouped-query and multi-query
// attention, tied output, sizes that are not multiples of 32 where the type allows, F32, F16,
// Q8_0, Q4_0); both load each one and must produce the same 64 greedy tokens from the same
// prompt, and the same token ids for sample texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { edgegwBinary } from './lib/gateway.mjs';

let ref;
try {
  ref = await import('../llama/llama_ref.mjs');
} catch (err) {
  throw new Error(`llama.cpp reference not installed (run scripts/deps): ${err.message}`);
}

const bin = edgegwBinary();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgegw-agree-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

function edgegw(...args) {
  return JSON.parse(execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
}

function synth(name, shape) {
  const file = path.join(dir, `${name}.gguf`);
  const args = ['model', 'synth', '--out', file];
  for (const [k, v] of Object.entries(shape)) {
    if (v === true) args.push(`--${k}`);
    else args.push(`--${k}`, String(v));
  }
  execFileSync(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return file;
}

// A deterministic prompt of `n` ordinary tokens (ids past the control and byte tokens).
function prompt(n, vocab, seed) {
  let s = seed;
  const ids = [1];
  while (ids.length < n) {
    s = (s * 1103515245 + 12345) >>> 0;
    ids.push(259 + (s % (vocab - 259)));
  }
  return ids;
}

const shapes = [
  ['f32_gqa_odd', { type: 'f32', layers: 3, dim: 72, heads: 6, 'kv-heads': 2, ff: 100, vocab: 333, seed: 7 }],
  ['f32_mha_hd12', { type: 'f32', layers: 2, dim: 48, heads: 4, 'kv-heads': 4, ff: 80, vocab: 300, seed: 3 }],
  ['f16_tied_odd', { type: 'f16', layers: 3, dim: 72, heads: 6, 'kv-heads': 3, ff: 100, vocab: 333, seed: 8, tied: true }],
  ['f16_gqa_hd8', { type: 'f16', layers: 2, dim: 64, heads: 8, 'kv-heads': 4, ff: 96, vocab: 400, seed: 5 }],
  ['q8_0_gqa', { type: 'q8_0', layers: 4, dim: 128, heads: 8, 'kv-heads': 2, ff: 352, vocab: 1000, seed: 9 }],
  ['q8_0_mqa', { type: 'q8_0', layers: 2, dim: 96, heads: 3, 'kv-heads': 1, ff: 224, vocab: 500, seed: 4 }],
  ['q4_0_mha', { type: 'q4_0', layers: 4, dim: 128, heads: 4, 'kv-heads': 4, ff: 320, vocab: 777, seed: 10 }],
  ['q4_0_tied_mqa', { type: 'q4_0', layers: 2, dim: 256, heads: 8, 'kv-heads': 1, ff: 512, vocab: 2000, seed: 11, tied: true }],
];

for (const [name, shape] of shapes) {
  test(`64 greedy tokens agree with llama.cpp: ${name}`, async () => {
    const file = synth(name, { ...shape, ctx: 256 });
    const model = await ref.loadModel(file);
    try {
      // A short prompt, and one longer than edgegw's 64-token prefill chunk.
      for (const length of [10, 100]) {
        const ids = prompt(length, shape.vocab, shape.seed * 31 + length);
        const ours = edgegw('generate', '--model', file, '--prompt-tokens', ids.join(','), '-n', '64',
          '--temp', '0', '--ignore-eos', '--json', '--threads', '2');
        const theirs = await ref.greedy(model, ids, 64);
        assert.equal(ours.tokens.length, 64);
        assert.deepEqual(ours.tokens, theirs.tokens, `prompt of ${length} tokens`);
      }
    } finally {
      await model.dispose();
    }
  });
}

test('the generic kernels pick the same tokens as the SIMD ones', () => {
  const file = synth('kernels_q4', { type: 'q4_0', layers: 2, dim: 128, heads: 4, 'kv-heads': 2, ff: 256, vocab: 600, seed: 12 });
  const ids = prompt(12, 600, 99).join(',');
  const run = (kernels) => edgegw('generate', '--model', file, '--prompt-tokens', ids, '-n', '32', '--temp', '0',
    '--ignore-eos', '--json', '--kernels', kernels);
  const generic = run('generic');
  const simd = edgegw('generate', '--model', file, '--prompt-tokens', ids, '-n', '32', '--temp', '0', '--ignore-eos', '--json');
  assert.deepEqual(generic.tokens, simd.tokens, `generic vs ${simd.kernels}`);
});

const texts = [
  'Hello world',
  'the quick brown fox jumps over the lazy dog',
  '  leading and  double  spaces ',
  'line one\nline two\ttabbed',
  'numbers 12345 and symbols !@#$%^&*()_+-=[]{}',
  'naïve café — unicode ✓ and an emoji 🚀',
  'thethethe everywhere',
  'edge gateway device sensor data',
  'x',
  'ÅÄÖ 日本語',
];

test('tokenization of sample texts agrees with llama.cpp', async () => {
  const file = synth('tokenizer', { type: 'q8_0', layers: 1, dim: 32, heads: 2, 'kv-heads': 2, ff: 32, vocab: 4000, seed: 2 });
  const model = await ref.loadModel(file, { vocabOnly: true });
  try {
    for (const text of texts) {
      const ours = edgegw('model', 'tokenize', file, text).tokens;
      assert.deepEqual(ours, ref.tokenize(model, text), JSON.stringify(text));
    }
    // With --bos, the prompt form: BOS first.
    assert.equal(edgegw('model', 'tokenize', file, 'Hello', '--bos').tokens[0], 1);
  } finally {
    await model.dispose();
  }
});
