// LlamaModel: a GGUF file of the `llama` architecture, checked and ready to run: the
// hyperparameters from its metadata, a view of every weight, and its tokenizer.
//
// What is checked before anything runs: the architecture, every required metadata key and
// its range, every tensor's presence, type and shape against the hyperparameters, and that
// quantized rows are whole blocks. A failure names the key or tensor and what was wrong.
//
// Ownership: the model points into the file's bytes (an mmap owned by the caller, or by the
// ModelManager) and must not outlive them; derived data (norm weights as floats, Q4_0
// matrices repacked for the CPU's kernels) is owned. Thread-safety: immutable after Load; any
// number of sessions may share it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gw/base/result.h"
#include "gw/engine/gguf.h"
#include "gw/engine/kernels/kernels.h"
#include "gw/engine/quant.h"
#include "gw/engine/tokenizer.h"

namespace gw::engine {

struct LlamaParams {
  uint32_t n_vocab = 0;
  uint32_t n_embd = 0;
  uint32_t n_layer = 0;
  uint32_t n_head = 0;
  uint32_t n_head_kv = 0;
  uint32_t n_ff = 0;
  uint32_t n_ctx_train = 0;
  uint32_t head_dim = 0;  // n_embd / n_head
  uint32_t n_rot = 0;     // rotated dimensions per head (llama.rope.dimension_count)
  float rms_eps = 1e-5f;
  float rope_base = 10000.0f;
  uint32_t kv_dim() const { return head_dim * n_head_kv; }
};

// A 2-D weight: `rows` rows of `cols` values each, stored as `type`.
struct Weight {
  TensorType type = TensorType::kF32;
  const char* data = nullptr;
  uint32_t cols = 0;  // ne[0]: the input dimension
  uint32_t rows = 0;  // ne[1]: the output dimension
  size_t row_bytes = 0;
  // Q4_0 rows repacked eight to a group where the CPU's kernels sum them so (Q4_0SumsByBlock):
  // group g's blocks start at q4_0x8 + g * cols / kBlock. Null otherwise. Owned by the model.
  const BlockQ4_0x8* q4_0x8 = nullptr;
  // Q4_0 scales as floats, for kernels with tile_q4_0_scaled: rows 4g..4g+3's scales of block b
  // at scales4 + 4 * (g * cols / kBlock + b), so row r's group starts at scales4 + r * cols /
  // kBlock. Null otherwise. Owned by the model.
  const float* scales4 = nullptr;
  const char* Row(uint32_t r) const { return data + r * row_bytes; }
};

struct LlamaLayer {
  std::vector<float> attn_norm, ffn_norm;
  Weight wq, wk, wv, wo, w_gate, w_up, w_down;
};

class LlamaModel {
 public:
  // What the model keeps beside the file's weights; the defaults suit this CPU's best kernels.
  struct LoadOptions {
    bool repack_q4_0 = Q4_0SumsByBlock();  // BlockQ4_0x8 groups (Weight::q4_0x8)
    bool q4_0_float_scales = BestKernels().tile_q4_0_scaled != nullptr;  // Weight::scales4
  };
  // Parses and checks `bytes` (the whole file), which must outlive the model.
  static Result<std::unique_ptr<LlamaModel>> Load(std::string_view bytes,
                                                  const LoadOptions& options);
  static Result<std::unique_ptr<LlamaModel>> Load(std::string_view bytes) {
    return Load(bytes, LoadOptions{});
  }

  const LlamaParams& params() const { return params_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  const GgufFile& file() const { return file_; }
  const Weight& token_embd() const { return token_embd_; }
  const Weight& output() const { return output_; }  // token_embd when tied
  bool tied_output() const { return tied_output_; }
  const std::vector<float>& output_norm() const { return output_norm_; }
  const std::vector<LlamaLayer>& layers() const { return layers_; }
  // Bytes of weights one token reads (every matrix once): the decode bandwidth figure.
  uint64_t weight_bytes_per_token() const { return weight_bytes_per_token_; }
  uint64_t parameter_count() const { return parameter_count_; }
  // e.g. "Q8_0" (the type of most weight bytes).
  std::string_view weight_type_name() const;
  // Memory the model owns beyond the file: repacked Q4_0 matrices, Q4_0 scales as floats.
  uint64_t owned_bytes() const {
    return repacked_.size() * sizeof(BlockQ4_0x8) + float_scales_.size() * sizeof(float);
  }
  // The file's bytes that inference no longer reads (matrices it repacked): the owner of the
  // mapping may drop them from memory.
  const std::vector<std::string_view>& unread_file_ranges() const { return unread_; }

 private:
  LlamaModel() = default;
  Status LoadParams();
  Status LoadTensors();
  void RepackQ4_0();
  void KeepQ4_0FloatScales();
  // The matrices MatMul multiplies (the output and every layer's), not the embedding table.
  std::vector<Weight*> Matrices();

  GgufFile file_;
  LlamaParams params_;
  std::unique_ptr<Tokenizer> tokenizer_;
  Weight token_embd_, output_;
  bool tied_output_ = false;
  std::vector<float> output_norm_;
  std::vector<LlamaLayer> layers_;
  uint64_t weight_bytes_per_token_ = 0;
  uint64_t parameter_count_ = 0;
  TensorType main_type_ = TensorType::kF32;
  std::vector<BlockQ4_0x8> repacked_;
  std::vector<float> float_scales_;
  std::vector<std::string_view> unread_;
};

}  // namespace gw::engine
