// LlamaSession: one conversation's state on a LlamaModel: the KV cache (halves, as llama.cpp
// keeps it, or their values as floats for tables with attn_dots_f32) and the scratch of the
// forward pass. Eval runs tokens through the model and
// returns the logits of the last one.
//
// The pass follows llama.cpp's llama graph step for step and at the same precisions (see
// kernels.h): RMSNorm with a double sum, RoPE (adjacent pairs, angles by repeated
// multiplication), attention with half-float K and V and probabilities rounded to halves,
// SwiGLU. So greedy decoding picks llama.cpp's tokens.
//
// Ownership: borrows the model, the pool and the kernels, which must outlive it.
// Thread-safety: one thread at a time (the pool parallelizes inside Eval).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "gw/base/result.h"
#include "gw/engine/compute_pool.h"
#include "gw/engine/kernels/kernels.h"
#include "gw/engine/llama_model.h"
#include "gw/engine/matmul.h"

namespace gw::engine {

class LlamaSession {
 public:
  // `n_ctx` = 0 takes the model's training context. Fails when the KV cache would be absurd.
  static Result<std::unique_ptr<LlamaSession>> Create(const LlamaModel& model, ComputePool& pool,
                                                      const Kernels& kernels, uint32_t n_ctx = 0);

  // Appends `tokens` at positions n_past().. and returns the last one's logits (valid until the
  // next call). kInvalidArgument for a token id outside the vocabulary, kResourceExhausted
  // when the context is full (nothing is appended then).
  Result<std::span<const float>> Eval(std::span<const int32_t> tokens);

  uint32_t n_past() const { return n_past_; }
  uint32_t n_ctx() const { return n_ctx_; }
  // Forgets positions from `n` on (0 clears the conversation).
  void Truncate(uint32_t n) { n_past_ = std::min(n_past_, n); }
  uint64_t kv_cache_bytes() const { return KvCacheBytes(p_, n_ctx_, k_); }
  // What a session of `n_ctx` tokens with these kernels allocates for its KV cache
  // (kv_cache_bytes before it exists).
  static uint64_t KvCacheBytes(const LlamaParams& p, uint32_t n_ctx, const Kernels& k) {
    return (KElements(p, n_ctx) + p.n_layer * VLayerElements(p, n_ctx)) * KvValueBytes(k);
  }
  const LlamaModel& model() const { return model_; }

 private:
  LlamaSession(const LlamaModel& model, ComputePool& pool, const Kernels& kernels, uint32_t n_ctx);
  void EvalChunk(const int32_t* tokens, int n, bool want_logits);
  void Layer(uint32_t il, int n);
  template <class T>
  void StoreKv(std::vector<T>& k_cache, std::vector<T>& v_cache, uint32_t il, int n);
  void Attention(uint32_t il, int n);
  void RmsNorm(const float* x, const std::vector<float>& w, float* out, int n) const;
  void Rope(float* x, int n, uint32_t heads) const;

  const LlamaModel& model_;
  ComputePool& pool_;
  const Kernels& k_;
  const LlamaParams& p_;
  const uint32_t n_ctx_;
  const ExpFlavor exp_;
  uint32_t n_past_ = 0;
  // The KV cache, in halves or (kernels with attn_dots_f32) in floats; the other pair stays
  // empty. K: [layer][kv head][position][head_dim]. V: [layer][segment][kv_dim][kAttnSegment
  // positions] (transposed).
  std::vector<uint16_t> k_cache_, v_cache_;
  std::vector<float> k_cache_f32_, v_cache_f32_;
  static size_t KvValueBytes(const Kernels& k) {
    return k.attn_dots_f32 ? sizeof(float) : sizeof(uint16_t);
  }
  // K: kAttnPad spare values, since attention may read a row's last partial step whole
  // (kernels.h). V: whole segments per layer.
  static size_t KElements(const LlamaParams& p, uint32_t n_ctx) {
    return static_cast<size_t>(p.n_layer) * n_ctx * p.kv_dim() + kAttnPad;
  }
  static size_t VLayerElements(const LlamaParams& p, uint32_t n_ctx) {
    return (static_cast<size_t>(n_ctx) + kAttnSegment - 1) / kAttnSegment * kAttnSegment *
           p.kv_dim();
  }
  size_t VLayerSize() const { return VLayerElements(p_, n_ctx_); }
  // Scratch for a chunk of up to kMaxBatch tokens.
  std::vector<float> x_, xn_, q_, k_new_, v_new_, attn_, ffn_gate_, ffn_up_, tmp_, logits_;
  std::vector<float> rope_;  // [token][n_rot]: cos, sin pairs
  // Per thread: a query and the scores as halves' values, zero-padded for attn_dots_f16.
  std::vector<float> q_half_;  // [thread][head_dim padded to kAttnPad]
  std::vector<float> scores_;  // [thread][n_ctx + kAttnPad]
  ActivationSet act_;
  uint32_t chunk_pos_ = 0;  // position of the chunk's first token
  bool batch_ = false;      // this Eval has 2+ tokens (a prompt)
};

}  // namespace gw::engine
