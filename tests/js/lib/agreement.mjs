// The rule by which edgegw's engine agrees with llama.cpp, on any CPU. Two engines that sum
// in different orders (llama.cpp picks a build per CPU family, and its batch size and thread
// count change its order too) give logits that differ in their last bits, and on a near-tie a
// greedy run then parts for good. So agreement is judged with teacher forcing, as numerical
// peers judge it: both engines read the same tokens (the prompt, then llama.cpp's own greedy
// continuation), and at every step their next-token distributions are compared.
//
// The rule, per step s with llama.cpp's probabilities p and edgegw's q over the vocabulary:
//   1. KL(p || q) <= kMaxStepKl, and the mean over the steps <= kMaxMeanKl (nats).
//   2. edgegw's likeliest token is llama.cpp's, unless llama.cpp's top two are a near-tie (the
//      runner-up within kNearTie of the top probability): then it is one of those two.
// The bounds come from measurement (docs/testing.md): llama.cpp against itself at batch 1
// and batch 512 differs by up to 1.4e-4 per step (7e-5 on average), edgegw's kernel tables by
// up to 1.6e-4 (1e-4); every scale of the quantized weights 1% off gives at least 8.9e-4 per
// step (5.1e-4 on average).
export const kMaxStepKl = 5e-4;
export const kMaxMeanKl = 2e-4;
export const kNearTie = 0.1;

function top2(p) {
  let a = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[a]) a = i;
  let b = a === 0 ? 1 : 0;
  for (let i = 0; i < p.length; i++) if (i !== a && p[i] > p[b]) b = i;
  return [a, b];
}

function argmax(q) {
  let a = 0;
  for (let i = 1; i < q.length; i++) if (q[i] > q[a]) a = i;
  return a;
}

// KL(p || q) in nats; terms where either side is 0 are left out (p is llama.cpp's float
// softmax, whose far tail may underflow).
export function kl(p, q) {
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] > 0 && q[i] > 0) sum += p[i] * Math.log(p[i] / q[i]);
  }
  return sum;
}

// Compares edgegw's steps `ours` against llama.cpp's `theirs` (arrays of per-step probability
// arrays). Returns { ok, problems: [text], maxKl, meanKl, nearTies }.
export function compareSteps(theirs, ours) {
  const problems = [];
  if (theirs.length !== ours.length) {
    return { ok: false, problems: [`${ours.length} steps, llama.cpp gave ${theirs.length}`], maxKl: NaN, meanKl: NaN, nearTies: 0 };
  }
  let maxKl = 0;
  let sumKl = 0;
  let nearTies = 0;
  for (let s = 0; s < theirs.length; s++) {
    const p = theirs[s];
    const q = ours[s];
    if (p.length !== q.length) {
      problems.push(`step ${s}: vocabulary ${q.length}, llama.cpp's ${p.length}`);
      continue;
    }
    const d = kl(p, q);
    maxKl = Math.max(maxKl, d);
    sumKl += d;
    if (d > kMaxStepKl) problems.push(`step ${s}: KL ${d.toExponential(2)} > ${kMaxStepKl}`);
    const [a, b] = top2(p);
    const pick = argmax(q);
    const tie = p[a] - p[b] <= kNearTie * p[a];
    if (tie) nearTies++;
    if (pick !== a && !(tie && pick === b)) {
      problems.push(`step ${s}: edgegw's top token ${pick} (p=${q[pick].toFixed(4)}), llama.cpp's ${a} ` +
        `(p=${p[a].toFixed(4)}, runner-up ${b} p=${p[b].toFixed(4)})`);
    }
  }
  const meanKl = theirs.length ? sumKl / theirs.length : 0;
  if (meanKl > kMaxMeanKl) problems.push(`mean KL ${meanKl.toExponential(2)} > ${kMaxMeanKl}`);
  return { ok: problems.length === 0, problems, maxKl, meanKl, nearTies };
}

// A one-line summary of a comparison for test messages.
export function describe(r) {
  const head = `max KL ${r.maxKl.toExponential(2)}, mean ${r.meanKl.toExponential(2)}, ${r.nearTies} near-ties`;
  return r.ok ? head : `${head}; ${r.problems.slice(0, 5).join('; ')}${r.problems.length > 5 ? '; ...' : ''}`;
}
