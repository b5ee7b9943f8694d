// llama.cpp as the reference for edgegw's engine: the prebuilt CPU build that node-llama-cpp
// ships, loaded without GPU and without any download or compile.
//
// Settings that make its numbers comparable with edgegw's: flash attention off (node-llama-cpp
// turns it on by default), F16 K and V caches (llama.cpp's default, and edgegw's), the whole
// prompt in one batch, greedy sampling only, and end-of-generation tokens treated as ordinary
// tokens (yielded and fed back), so exactly N tokens come out.
import fs from 'node:fs';
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';

const llamas = new Map();

// llama.cpp instances by the most threads their contexts may use (node-llama-cpp caps threads
// per instance); a context of fewer threads reuses a wider instance. Open the widest first when
// reading performance counters: they arrive through a log callback that only the first
// instance of a process receives.
export async function openLlama(threads = 2) {
  for (const [max, llama] of llamas) if (max >= threads) return llama;
  const llama = await getLlama({
    gpu: false, build: 'never', usePrebuiltBinaries: true, maxThreads: threads,
    logLevel: LlamaLogLevel.error, logger: () => {},
  });
  llamas.set(threads, llama);
  return llama;
}

export async function loadModel(modelPath, { threads = 2, vocabOnly = false } = {}) {
  const llama = await openLlama(threads);
  return llama.loadModel({ modelPath, gpuLayers: 0, vocabOnly });
}

async function context(model, { size, promptLength, threads, batchSize, performanceTracking = false }) {
  const contextSize = Math.max(256, size);
  return model.createContext({
    contextSize,
    batchSize: batchSize ?? Math.min(contextSize, Math.max(promptLength, 512)),
    sequences: 1,
    threads: { ideal: threads, min: threads },
    flashAttention: false,
    experimentalKvCacheKeyType: 'F16',
    experimentalKvCacheValueType: 'F16',
    ignoreMemorySafetyChecks: true,
    failedCreationRemedy: false,
    performanceTracking,
  });
}

// Greedy continuation of `prompt` (token ids): { tokens, prefillMs, decodeMs, perf } where
// decodeMs covers the n - 1 single-token steps after the first token, timed here around the
// binding. With `perf`, perf is llama.cpp's own count of the same run (its llama_perf_context
// figures: the time inside its forward passes, prompt and single-token steps apart, sampling
// excluded; see perfCounters for what that asks of the caller); else null.
export async function greedy(model, prompt, n, { threads = 2, perf = false } = {}) {
  const ctx = await context(model, {
    size: prompt.length + n + 1, promptLength: prompt.length, threads, performanceTracking: perf,
  });
  try {
    const seq = ctx.getSequence();
    const tokens = [];
    const t0 = performance.now();
    let t1 = t0;
    for await (const token of seq.evaluate(prompt, { temperature: 0, yieldEogToken: true })) {
      if (tokens.length === 0) t1 = performance.now();
      tokens.push(token);
      if (tokens.length >= n) break;
    }
    const t2 = performance.now();
    return { tokens, prefillMs: t1 - t0, decodeMs: t2 - t1, perf: perf ? await perfCounters(ctx) : null };
  } finally {
    await ctx.dispose();
  }
}

// llama.cpp's performance counters of `ctx` since its creation, read from what
// llama_perf_context_print logs (node-llama-cpp exposes them only that way):
// { promptMs, promptTokens, evalMs, evalRuns }. The log reaches only the first llama.cpp
// instance a process opened: open the widest one first (openLlama), as the benchmark does.
async function perfCounters(ctx) {
  const lines = [];
  // The lines arrive through the log callback after printTimings returns; the last one of
  // interest names the eval time.
  let seen;
  const printed = new Promise((resolve) => { seen = resolve; });
  const saved = [...llamas.values()].map((llama) => ({ llama, logLevel: llama.logLevel, logger: llama.logger }));
  for (const { llama } of saved) {
    llama.logLevel = LlamaLogLevel.info;
    llama.logger = (level, message) => {
      lines.push(message);
      if (/\beval time =.*runs/.test(message)) seen();
    };
  }
  try {
    await ctx.printTimings();
    let timer;
    await Promise.race([printed, new Promise((resolve) => { timer = setTimeout(resolve, 5000); })]);
    clearTimeout(timer);
  } finally {
    for (const { llama, logLevel, logger } of saved) {
      llama.logLevel = logLevel;
      llama.logger = logger;
    }
  }
  const text = lines.join('\n');
  const prompt = text.match(/prompt eval time =\s*([\d.]+) ms \/\s*(\d+) tokens/);
  const evals = text.match(/\beval time =\s*([\d.]+) ms \/\s*(\d+) runs/);
  if (!prompt || !evals) throw new Error(`llama.cpp printed no timings: ${text.slice(0, 200)}`);
  return { promptMs: Number(prompt[1]), promptTokens: Number(prompt[2]), evalMs: Number(evals[1]),
    evalRuns: Number(evals[2]) };
}

// Teacher forcing: llama.cpp reads `tokens` (in batches of `batchSize`, the whole sequence by
// default) and reports, for each position from `from` on, the probabilities of the next token
// given the tokens before it: one Float64Array over the vocabulary per step, as many steps as
// `tokens.length - from + 1`. These are llama.cpp's own logits through a float softmax over the
// whole vocabulary (greedy sampling leaves every candidate in place).
export async function teacherForced(model, tokens, from, { threads = 2, batchSize } = {}) {
  const ctx = await context(model, { size: tokens.length + 1, promptLength: tokens.length, threads, batchSize });
  try {
    const seq = ctx.getSequence();
    const want = { generateNext: { probabilities: true, options: { temperature: 0 } } };
    const input = tokens.map((t, i) => (i >= from - 1 ? [t, want] : t));
    const out = await seq.controlledEvaluate(input);
    const steps = [];
    for (let i = from - 1; i < tokens.length; i++) {
      const probs = out[i]?.next?.probabilities;
      if (!probs) throw new Error(`llama.cpp gave no probabilities at position ${i}`);
      const p = new Float64Array(probs.size);  // the whole vocabulary
      for (const [token, prob] of probs) p[token] = prob;
      steps.push(p);
    }
    return steps;
  } finally {
    await ctx.dispose();
  }
}

// Token ids of `text` without BOS and without parsing special tokens (as `edgegw model
// tokenize` without --bos).
export function tokenize(model, text) {
  return Array.from(model.tokenize(text, false));
}

// Which of llama.cpp's CPU builds this process loaded (x86-64 ships one per CPU family:
// 'zen4', 'sapphirerapids', 'haswell', ...): its summation order, and so its exact bits, depend
// on it. null before a model is loaded or where /proc is missing.
export function cpuVariant() {
  try {
    const m = fs.readFileSync('/proc/self/maps', 'utf8').match(/libggml-cpu-([\w-]+)\.so/);
    return m ? m[1] : null;
  } catch {
    return null;
  }
}
