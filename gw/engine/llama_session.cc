#include "gw/engine/llama_session.h"

#include <algorithm>
#include <cmath>

namespace gw::engine {
namespace {

size_t PadForAttention(size_t n) { return (n + kAttnPad - 1) / kAttnPad * kAttnPad; }
constexpr int kMaxBatch = 64;  // tokens per forward chunk (bounds the scratch)

}  // namespace

Result<std::unique_ptr<LlamaSession>> LlamaSession::Create(const LlamaModel& model, ComputePool& pool,
                                                           const Kernels& kernels, uint32_t n_ctx) {
  const LlamaParams& p = model.params();
  if (n_ctx == 0) n_ctx = p.n_ctx_train;
  if (n_ctx > (1u << 20) || KvCacheBytes(p, n_ctx) > (64ull << 30)) {
    return ResourceExhausted("a context of " + std::to_string(n_ctx) + " tokens needs a KV cache of " +
                             std::to_string(KvCacheBytes(p, n_ctx) >> 20) + " MiB; ask for a smaller context");
  }
  return std::unique_ptr<LlamaSession>(new LlamaSession(model, pool, kernels, n_ctx));
}

LlamaSession::LlamaSession(const LlamaModel& model, ComputePool& pool, const Kernels& kernels, uint32_t n_ctx)
    : model_(model), pool_(pool), k_(kernels), p_(model.params()), n_ctx_(n_ctx), exp_(CpuExpFlavor()) {
  k_cache_.resize(KElements(p_, n_ctx_));
  v_cache_.resize(static_cast<size_t>(p_.n_layer) * VLayerSize());
  x_.resize(kMaxBatch * p_.n_embd);
  xn_.resize(kMaxBatch * p_.n_embd);
  q_.resize(kMaxBatch * p_.n_embd);
  attn_.resize(kMaxBatch * p_.n_embd);
  tmp_.resize(kMaxBatch * p_.n_embd);
  k_new_.resize(kMaxBatch * p_.kv_dim());
  v_new_.resize(kMaxBatch * p_.kv_dim());
  ffn_gate_.resize(kMaxBatch * p_.n_ff);
  ffn_up_.resize(kMaxBatch * p_.n_ff);
  logits_.resize(p_.n_vocab);
  rope_.resize(kMaxBatch * p_.n_rot);
  size_t threads = pool_.threads();
  scores_.resize(threads * (n_ctx_ + kAttnPad));
  q_half_.resize(threads * PadForAttention(p_.head_dim));
}

Result<std::span<const float>> LlamaSession::Eval(std::span<const int32_t> tokens) {
  if (tokens.empty()) return InvalidArgument("no tokens to evaluate");
  for (int32_t t : tokens) {
    if (t < 0 || static_cast<uint32_t>(t) >= p_.n_vocab) {
      return InvalidArgument("token id " + std::to_string(t) + " is outside the vocabulary (0.." +
                             std::to_string(p_.n_vocab - 1) + ")");
    }
  }
  if (tokens.size() > n_ctx_ - n_past_) {
    return ResourceExhausted("the context is full: " + std::to_string(n_past_) + " of " + std::to_string(n_ctx_) +
                             " positions used, " + std::to_string(tokens.size()) + " more asked for");
  }
  batch_ = tokens.size() > 1;
  for (size_t i = 0; i < tokens.size(); i += kMaxBatch) {
    int n = static_cast<int>(std::min<size_t>(kMaxBatch, tokens.size() - i));
    EvalChunk(tokens.data() + i, n, i + n == tokens.size());
  }
  return std::span<const float>(logits_);
}

void LlamaSession::EvalChunk(const int32_t* tokens, int n, bool want_logits) {
  const uint32_t E = p_.n_embd;
  chunk_pos_ = n_past_;
  const Weight& embd = model_.token_embd();
  for (int t = 0; t < n; ++t) DequantizeRow(embd.type, embd.Row(tokens[t]), &x_[t * E], E);
  // RoPE angles as ggml computes them: theta starts at the position and is multiplied by
  // base^(-2/n_rot) for each next pair.
  const float theta_scale = std::pow(p_.rope_base, -2.0f / static_cast<float>(p_.n_rot));
  for (int t = 0; t < n; ++t) {
    float theta = static_cast<float>(chunk_pos_ + t);
    for (uint32_t i = 0; i < p_.n_rot; i += 2) {
      rope_[t * p_.n_rot + i] = std::cos(theta);
      rope_[t * p_.n_rot + i + 1] = std::sin(theta);
      theta *= theta_scale;
    }
  }
  for (uint32_t il = 0; il < p_.n_layer; ++il) Layer(il, n);
  n_past_ += n;
  if (!want_logits) return;
  float* last = &xn_[(n - 1) * E];
  RmsNorm(&x_[(n - 1) * E], model_.output_norm(), last, 1);
  act_.Reset(last, 1, E);
  MatMul(pool_, k_, {{&model_.output(), &act_.For(k_, model_.output().type), logits_.data(), 0}});
}

void LlamaSession::RmsNorm(const float* x, const std::vector<float>& w, float* out, int n) const {
  const uint32_t E = p_.n_embd;
  for (int t = 0; t < n; ++t) {
    const float* xt = x + t * E;
    double sum = 0;
    for (uint32_t i = 0; i < E; ++i) sum += static_cast<double>(xt[i] * xt[i]);
    const float mean = static_cast<float>(sum / E);
    const float scale = 1.0f / std::sqrt(mean + p_.rms_eps);
    for (uint32_t i = 0; i < E; ++i) out[t * E + i] = (xt[i] * scale) * w[i];
  }
}

void LlamaSession::Rope(float* x, int n, uint32_t heads) const {
  const uint32_t hd = p_.head_dim;
  for (int t = 0; t < n; ++t) {
    const float* cs = &rope_[t * p_.n_rot];
    for (uint32_t h = 0; h < heads; ++h) {
      float* v = x + (static_cast<size_t>(t) * heads + h) * hd;
      for (uint32_t i = 0; i < p_.n_rot; i += 2) {
        const float x0 = v[i], x1 = v[i + 1];
        // ggml's C++ is built with FMA contraction (GCC's default outside ISO mode), which
        // fuses the first product of each line; this build is ISO, so it is spelled out.
        v[i] = std::fma(x0, cs[i], -(x1 * cs[i + 1]));
        v[i + 1] = std::fma(x0, cs[i + 1], x1 * cs[i]);
      }
    }
  }
}

void LlamaSession::Layer(uint32_t il, int n) {
  const LlamaLayer& L = model_.layers()[il];
  const uint32_t E = p_.n_embd, KV = p_.kv_dim(), F = p_.n_ff;
  RmsNorm(x_.data(), L.attn_norm, xn_.data(), n);
  act_.Reset(xn_.data(), n, E);
  MatMul(pool_, k_, {{&L.wq, &act_.For(k_, L.wq.type), q_.data(), E},
                     {&L.wk, &act_.For(k_, L.wk.type), k_new_.data(), KV},
                     {&L.wv, &act_.For(k_, L.wv.type), v_new_.data(), KV}});
  Rope(q_.data(), n, p_.n_head);
  Rope(k_new_.data(), n, p_.n_head_kv);
  // K by head: each head's keys are one contiguous run of positions.
  const uint32_t hd = p_.head_dim;
  for (uint32_t h = 0; h < p_.n_head_kv; ++h) {
    uint16_t* kc = &k_cache_[((static_cast<size_t>(il) * p_.n_head_kv + h) * n_ctx_ + chunk_pos_) * hd];
    for (int t = 0; t < n; ++t) k_.fp32_to_fp16(&k_new_[t * KV + h * hd], kc + static_cast<size_t>(t) * hd, hd);
  }
  // V is kept transposed ([dim][position]), as llama.cpp keeps it without flash attention,
  // in segments of kAttnSegment positions ([segment][dim][position in segment]).
  uint16_t* vt = &v_cache_[static_cast<size_t>(il) * VLayerSize()];
  for (int t = 0; t < n; ++t) {
    const size_t pos = chunk_pos_ + t;
    uint16_t* column = vt + pos / kAttnSegment * KV * kAttnSegment + pos % kAttnSegment;
    for (uint32_t c = 0; c < KV; ++c) column[c * kAttnSegment] = Fp32ToFp16(v_new_[t * KV + c]);
  }
  Attention(il, n);
  act_.Reset(attn_.data(), n, E);
  MatMul(pool_, k_, {{&L.wo, &act_.For(k_, L.wo.type), tmp_.data(), E}});
  for (size_t i = 0; i < static_cast<size_t>(n) * E; ++i) x_[i] += tmp_[i];

  RmsNorm(x_.data(), L.ffn_norm, xn_.data(), n);
  act_.Reset(xn_.data(), n, E);
  MatMul(pool_, k_, {{&L.w_gate, &act_.For(k_, L.w_gate.type), ffn_gate_.data(), F},
                     {&L.w_up, &act_.For(k_, L.w_up.type), ffn_up_.data(), F}});
  for (int t = 0; t < n; ++t) k_.swiglu(exp_, &ffn_gate_[t * F], &ffn_up_[t * F], &ffn_gate_[t * F], F);
  act_.Reset(ffn_gate_.data(), n, F);
  MatMul(pool_, k_, {{&L.w_down, &act_.For(k_, L.w_down.type), tmp_.data(), E}});
  for (size_t i = 0; i < static_cast<size_t>(n) * E; ++i) x_[i] += tmp_[i];
}

// Scaled dot-product attention of each new token and head over the cached positions up to
// its own (causal), one task per (token, head), summed in llama.cpp's orders (ggml_compat.h).
void LlamaSession::Attention(uint32_t il, int n) {
  const uint32_t hd = p_.head_dim, KV = p_.kv_dim();
  const uint32_t group = p_.n_head / p_.n_head_kv;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const uint16_t* kbase = &k_cache_[static_cast<size_t>(il) * n_ctx_ * KV];  // [head][position][dim]
  const uint16_t* vbase = &v_cache_[static_cast<size_t>(il) * VLayerSize()];
  // llama.cpp multiplies a prompt's matrices with its GEMM where the shapes allow, and a
  // single token's with dot products; each has its own order.
  const size_t lanes = static_cast<size_t>(exp_);
  const DotOrder kq_order = batch_ && hd % lanes == 0 ? DotOrder::kTiled : DotOrder::kVecDot;
  const DotOrder kqv_order = batch_ && hd % 4 == 0 ? DotOrder::kTiled : DotOrder::kVecDot;
  const size_t q_stride = PadForAttention(hd);
  pool_.ParallelFor(n * static_cast<int>(p_.n_head), [&](int task, int thread) {
    const int t = task / static_cast<int>(p_.n_head);
    const uint32_t h = task % p_.n_head, kvh = h / group;
    const uint32_t n_kv = chunk_pos_ + t + 1;
    float* q = &q_half_[thread * q_stride];  // zero past hd since allocation
    float* s = &scores_[static_cast<size_t>(thread) * (n_ctx_ + kAttnPad)];
    k_.round_fp16(&q_[(static_cast<size_t>(t) * p_.n_head + h) * hd], q, hd);
    k_.attn_dots_f16(exp_, kq_order, kbase + static_cast<size_t>(kvh) * n_ctx_ * hd, hd, kAttnSegment, n_kv, q, hd,
                     false, s);
    float max = -INFINITY;
    for (uint32_t j = 0; j < n_kv; ++j) {
      s[j] *= scale;
      max = std::max(max, s[j]);
    }
    const double sum = k_.softmax_exp(exp_, s, n_kv, max);
    const float inv = static_cast<float>(1.0 / sum);
    for (uint32_t j = 0; j < n_kv; ++j) s[j] *= inv;
    k_.round_fp16(s, s, n_kv);  // the probabilities meet V as halves
    std::fill(s + n_kv, s + PadForAttention(n_kv), 0.0f);
    float* out = &attn_[(static_cast<size_t>(t) * p_.n_head + h) * hd];
    const uint16_t* vt = vbase + static_cast<size_t>(kvh) * hd * kAttnSegment;  // this head's dims
    k_.attn_dots_f16(exp_, kqv_order, vt, kAttnSegment, KV * kAttnSegment, hd, s, n_kv, true, out);
  });
}

}  // namespace gw::engine
