#include "gw/engine/llama_session.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

namespace gw::engine {
namespace {

size_t PadForAttention(size_t n) { return (n + kAttnPad - 1) / kAttnPad * kAttnPad; }
constexpr int kMaxBatch = 64;        // tokens per forward chunk (bounds the scratch)
constexpr uint32_t kMaxKvDim = 256;  // values converted at a time when V is stored

}  // namespace

Result<std::unique_ptr<LlamaSession>> LlamaSession::Create(const LlamaModel& model,
                                                           ComputePool& pool,
                                                           const Kernels& kernels, uint32_t n_ctx) {
  const LlamaParams& p = model.params();
  if (n_ctx == 0) n_ctx = p.n_ctx_train;
  if (n_ctx > (1u << 20) || KvCacheBytes(p, n_ctx, kernels) > (64ull << 30)) {
    return ResourceExhausted(
        "a context of " + std::to_string(n_ctx) + " tokens needs a KV cache of " +
        std::to_string(KvCacheBytes(p, n_ctx, kernels) >> 20) + " MiB; ask for a smaller context");
  }
  return std::unique_ptr<LlamaSession>(new LlamaSession(model, pool, kernels, n_ctx));
}

LlamaSession::LlamaSession(const LlamaModel& model, ComputePool& pool, const Kernels& kernels,
                           uint32_t n_ctx)
    : model_(model),
      pool_(pool),
      k_(kernels),
      p_(model.params()),
      n_ctx_(n_ctx),
      exp_(CpuExpFlavor()) {
  if (k_.attn_dots_f32) {
    k_cache_f32_.resize(KElements(p_, n_ctx_));
    v_cache_f32_.resize(static_cast<size_t>(p_.n_layer) * VLayerSize());
  } else {
    k_cache_.resize(KElements(p_, n_ctx_));
    v_cache_.resize(static_cast<size_t>(p_.n_layer) * VLayerSize());
  }
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
    return ResourceExhausted("the context is full: " + std::to_string(n_past_) + " of " +
                             std::to_string(n_ctx_) + " positions used, " +
                             std::to_string(tokens.size()) + " more asked for");
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
  MatMul(pool_, k_,
         {{&L.wq, &act_.For(k_, L.wq.type), q_.data(), E},
          {&L.wk, &act_.For(k_, L.wk.type), k_new_.data(), KV},
          {&L.wv, &act_.For(k_, L.wv.type), v_new_.data(), KV}});
  Rope(q_.data(), n, p_.n_head);
  Rope(k_new_.data(), n, p_.n_head_kv);
  if (k_.attn_dots_f32) {
    StoreKv(k_cache_f32_, v_cache_f32_, il, n);
  } else {
    StoreKv(k_cache_, v_cache_, il, n);
  }
  Attention(il, n);
  act_.Reset(attn_.data(), n, E);
  MatMul(pool_, k_, {{&L.wo, &act_.For(k_, L.wo.type), tmp_.data(), E}});
  for (size_t i = 0; i < static_cast<size_t>(n) * E; ++i) x_[i] += tmp_[i];

  RmsNorm(x_.data(), L.ffn_norm, xn_.data(), n);
  act_.Reset(xn_.data(), n, E);
  MatMul(pool_, k_,
         {{&L.w_gate, &act_.For(k_, L.w_gate.type), ffn_gate_.data(), F},
          {&L.w_up, &act_.For(k_, L.w_up.type), ffn_up_.data(), F}});
  for (int t = 0; t < n; ++t)
    k_.swiglu(exp_, &ffn_gate_[t * F], &ffn_up_[t * F], &ffn_gate_[t * F], F);
  act_.Reset(ffn_gate_.data(), n, F);
  MatMul(pool_, k_, {{&L.w_down, &act_.For(k_, L.w_down.type), tmp_.data(), E}});
  for (size_t i = 0; i < static_cast<size_t>(n) * E; ++i) x_[i] += tmp_[i];
}

// The chunk's keys and values, as halves or as their values in floats.
template <class T>
void LlamaSession::StoreKv(std::vector<T>& k_cache, std::vector<T>& v_cache, uint32_t il, int n) {
  const uint32_t hd = p_.head_dim, KV = p_.kv_dim();
  auto store_row = [&](const float* x, T* out, size_t count) {
    if constexpr (std::is_same_v<T, float>) {
      k_.round_fp16(x, out, count);
    } else {
      k_.fp32_to_fp16(x, out, count);
    }
  };
  // K by head: each head's keys are one contiguous run of positions.
  for (uint32_t h = 0; h < p_.n_head_kv; ++h) {
    T* kc = &k_cache[((static_cast<size_t>(il) * p_.n_head_kv + h) * n_ctx_ + chunk_pos_) * hd];
    for (int t = 0; t < n; ++t)
      store_row(&k_new_[t * KV + h * hd], kc + static_cast<size_t>(t) * hd, hd);
  }
  // V is kept transposed ([dim][position]), as llama.cpp keeps it without flash attention,
  // in segments of kAttnSegment positions ([segment][dim][position in segment]).
  T* vt = &v_cache[static_cast<size_t>(il) * VLayerSize()];
  T row[kMaxKvDim];
  for (int t = 0; t < n; ++t) {
    const size_t pos = chunk_pos_ + t;
    T* column = vt + pos / kAttnSegment * KV * kAttnSegment + pos % kAttnSegment;
    for (uint32_t c0 = 0; c0 < KV; c0 += kMaxKvDim) {
      const uint32_t count = std::min<uint32_t>(kMaxKvDim, KV - c0);
      store_row(&v_new_[t * KV + c0], row, count);
      for (uint32_t c = 0; c < count; ++c) column[(c0 + c) * kAttnSegment] = row[c];
    }
  }
}

// Scaled dot-product attention of each new token and head over the cached positions up to
// its own (causal), one task per (token, head), summed in llama.cpp's orders (ggml_compat.h).
void LlamaSession::Attention(uint32_t il, int n) {
  const uint32_t hd = p_.head_dim, KV = p_.kv_dim();
  const uint32_t group = p_.n_head / p_.n_head_kv;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  // Rows of K or V from element `offset` of this layer's part of the cache.
  const size_t k_layer = static_cast<size_t>(il) * n_ctx_ * KV,
               v_layer = static_cast<size_t>(il) * VLayerSize();
  auto dots = [&](bool keys, DotOrder order, size_t offset, size_t row_stride,
                  size_t segment_stride, size_t count, const float* y, size_t n, bool padded,
                  float* out) {
    offset += keys ? k_layer : v_layer;
    if (k_.attn_dots_f32) {
      const float* rows = (keys ? k_cache_f32_ : v_cache_f32_).data() + offset;
      k_.attn_dots_f32(exp_, order, rows, row_stride, segment_stride, count, y, n, padded, out);
    } else {
      const uint16_t* rows = (keys ? k_cache_ : v_cache_).data() + offset;
      k_.attn_dots_f16(exp_, order, rows, row_stride, segment_stride, count, y, n, padded, out);
    }
  };
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
    dots(true, kq_order, static_cast<size_t>(kvh) * n_ctx_ * hd, hd, kAttnSegment, n_kv, q, hd,
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
    // This head's dims of V.
    dots(false, kqv_order, static_cast<size_t>(kvh) * hd * kAttnSegment, kAttnSegment,
         KV * kAttnSegment, hd, s, n_kv, true, out);
  });
}

}  // namespace gw::engine
