#include "gw/engine/llama_model.h"

#include <map>

#include "gw/engine/kernels/kernels.h"
#include "gw/engine/quant.h"

namespace gw::engine {
namespace {

std::string Dims(const std::vector<uint64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

Result<uint32_t> RequiredUint(const GgufFile& f, const std::string& key, uint32_t min,
                              uint32_t max) {
  std::optional<uint64_t> v = f.GetUint(key);
  if (!v) return InvalidArgument("metadata key '" + key + "' is missing or not an integer");
  if (*v < min || *v > max) {
    return InvalidArgument("metadata key '" + key + "' = " + std::to_string(*v) + " is outside " +
                           std::to_string(min) + ".." + std::to_string(max));
  }
  return static_cast<uint32_t>(*v);
}

}  // namespace

std::string_view LlamaModel::weight_type_name() const { return TensorTypeName(main_type_); }

Result<std::unique_ptr<LlamaModel>> LlamaModel::Load(std::string_view bytes,
                                                     const LoadOptions& options) {
  auto model = std::unique_ptr<LlamaModel>(new LlamaModel());
  GW_ASSIGN_OR_RETURN(model->file_, ParseGguf(bytes));
  GW_RETURN_IF_ERROR(model->LoadParams());
  GW_ASSIGN_OR_RETURN(model->tokenizer_, Tokenizer::FromGguf(model->file_));
  if (model->tokenizer_->size() != model->params_.n_vocab) {
    return InvalidArgument("the tokenizer has " + std::to_string(model->tokenizer_->size()) +
                           " tokens but token_embd.weight has " +
                           std::to_string(model->params_.n_vocab) + " rows");
  }
  GW_RETURN_IF_ERROR(model->LoadTensors());
  if (options.repack_q4_0) model->RepackQ4_0();
  if (options.q4_0_float_scales) model->KeepQ4_0FloatScales();
  return model;
}

Status LlamaModel::LoadParams() {
  std::optional<std::string> arch = file_.GetString("general.architecture");
  if (!arch) return InvalidArgument("metadata key 'general.architecture' is missing");
  if (*arch != "llama")
    return Unimplemented("architecture '" + *arch + "' is not supported (only 'llama')");
  LlamaParams& p = params_;
  constexpr uint32_t kBig = 1u << 20;
  GW_ASSIGN_OR_RETURN(p.n_embd, RequiredUint(file_, "llama.embedding_length", 1, kBig));
  GW_ASSIGN_OR_RETURN(p.n_layer, RequiredUint(file_, "llama.block_count", 1, 4096));
  GW_ASSIGN_OR_RETURN(p.n_ff, RequiredUint(file_, "llama.feed_forward_length", 1, kBig));
  GW_ASSIGN_OR_RETURN(p.n_head, RequiredUint(file_, "llama.attention.head_count", 1, 4096));
  GW_ASSIGN_OR_RETURN(p.n_ctx_train, RequiredUint(file_, "llama.context_length", 1, 1u << 24));
  p.n_head_kv = p.n_head;
  if (file_.Get("llama.attention.head_count_kv")) {
    GW_ASSIGN_OR_RETURN(p.n_head_kv,
                        RequiredUint(file_, "llama.attention.head_count_kv", 1, p.n_head));
  }
  if (p.n_embd % p.n_head != 0) {
    return InvalidArgument("llama.embedding_length " + std::to_string(p.n_embd) +
                           " is not a multiple of llama.attention.head_count " +
                           std::to_string(p.n_head));
  }
  if (p.n_head % p.n_head_kv != 0) {
    return InvalidArgument("llama.attention.head_count " + std::to_string(p.n_head) +
                           " is not a multiple of llama.attention.head_count_kv " +
                           std::to_string(p.n_head_kv));
  }
  p.head_dim = p.n_embd / p.n_head;
  p.n_rot = p.head_dim;
  if (file_.Get("llama.rope.dimension_count")) {
    GW_ASSIGN_OR_RETURN(p.n_rot, RequiredUint(file_, "llama.rope.dimension_count", 2, p.head_dim));
  }
  if (p.n_rot % 2 != 0) return InvalidArgument("llama.rope.dimension_count must be even");
  std::optional<double> eps = file_.GetFloat("llama.attention.layer_norm_rms_epsilon");
  if (!eps)
    return InvalidArgument("metadata key 'llama.attention.layer_norm_rms_epsilon' is missing");
  if (!(*eps > 0 && *eps < 1))
    return InvalidArgument("llama.attention.layer_norm_rms_epsilon must be in (0, 1)");
  p.rms_eps = static_cast<float>(*eps);
  if (std::optional<double> base = file_.GetFloat("llama.rope.freq_base")) {
    if (!(*base > 1 && *base < 1e12))
      return InvalidArgument("llama.rope.freq_base must be in (1, 1e12)");
    p.rope_base = static_cast<float>(*base);
  }
  const TensorInfo* embd = file_.Tensor("token_embd.weight");
  if (embd == nullptr) return InvalidArgument("tensor 'token_embd.weight' is missing");
  if (embd->dims.size() != 2 || embd->dims[0] != p.n_embd || embd->dims[1] == 0 ||
      embd->dims[1] > (1u << 24)) {
    return InvalidArgument("tensor 'token_embd.weight' has shape " + Dims(embd->dims) +
                           ", expected [" + std::to_string(p.n_embd) + ", n_vocab]");
  }
  p.n_vocab = static_cast<uint32_t>(embd->dims[1]);
  return OkStatus();
}

Status LlamaModel::LoadTensors() {
  const LlamaParams& p = params_;
  std::map<TensorType, uint64_t> bytes_by_type;
  auto matrix = [&](const std::string& name, uint32_t cols, uint32_t rows, Weight* out) -> Status {
    const TensorInfo* t = file_.Tensor(name);
    if (t == nullptr) return InvalidArgument("tensor '" + name + "' is missing");
    if (t->dims.size() != 2 || t->dims[0] != cols || t->dims[1] != rows) {
      return InvalidArgument("tensor '" + name + "' has shape " + Dims(t->dims) + ", expected [" +
                             std::to_string(cols) + ", " + std::to_string(rows) + "]");
    }
    BlockLayout layout = *LayoutOf(static_cast<uint32_t>(t->type));
    if (cols % layout.elements != 0) {
      return InvalidArgument("tensor '" + name + "': rows of " + std::to_string(cols) +
                             " values are not whole " + std::string(TensorTypeName(t->type)) +
                             " blocks of " + std::to_string(layout.elements));
    }
    *out = Weight{t->type, t->data.data(), cols, rows, cols / layout.elements * layout.bytes};
    bytes_by_type[t->type] += t->size;
    parameter_count_ += t->elements;
    return OkStatus();
  };
  auto vector = [&](const std::string& name, uint32_t n, std::vector<float>* out) -> Status {
    const TensorInfo* t = file_.Tensor(name);
    if (t == nullptr) return InvalidArgument("tensor '" + name + "' is missing");
    if (t->elements != n || t->dims[0] != n) {
      return InvalidArgument("tensor '" + name + "' has shape " + Dims(t->dims) + ", expected [" +
                             std::to_string(n) + "]");
    }
    if (n % LayoutOf(static_cast<uint32_t>(t->type))->elements != 0) {
      return InvalidArgument("tensor '" + name + "' is not whole blocks");
    }
    out->resize(n);
    DequantizeRow(t->type, t->data.data(), out->data(), n);
    parameter_count_ += n;
    return OkStatus();
  };
  GW_RETURN_IF_ERROR(matrix("token_embd.weight", p.n_embd, p.n_vocab, &token_embd_));
  bytes_by_type.clear();  // one embedding row per token is read, not the table
  GW_RETURN_IF_ERROR(vector("output_norm.weight", p.n_embd, &output_norm_));
  if (file_.Tensor("output.weight") != nullptr) {
    GW_RETURN_IF_ERROR(matrix("output.weight", p.n_embd, p.n_vocab, &output_));
  } else {
    output_ = token_embd_;
    tied_output_ = true;
    bytes_by_type[token_embd_.type] +=
        static_cast<uint64_t>(token_embd_.row_bytes) * token_embd_.rows;
  }
  layers_.resize(p.n_layer);
  for (uint32_t i = 0; i < p.n_layer; ++i) {
    std::string b = "blk." + std::to_string(i) + ".";
    LlamaLayer& l = layers_[i];
    GW_RETURN_IF_ERROR(vector(b + "attn_norm.weight", p.n_embd, &l.attn_norm));
    GW_RETURN_IF_ERROR(vector(b + "ffn_norm.weight", p.n_embd, &l.ffn_norm));
    GW_RETURN_IF_ERROR(matrix(b + "attn_q.weight", p.n_embd, p.n_embd, &l.wq));
    GW_RETURN_IF_ERROR(matrix(b + "attn_k.weight", p.n_embd, p.kv_dim(), &l.wk));
    GW_RETURN_IF_ERROR(matrix(b + "attn_v.weight", p.n_embd, p.kv_dim(), &l.wv));
    GW_RETURN_IF_ERROR(matrix(b + "attn_output.weight", p.n_embd, p.n_embd, &l.wo));
    GW_RETURN_IF_ERROR(matrix(b + "ffn_gate.weight", p.n_embd, p.n_ff, &l.w_gate));
    GW_RETURN_IF_ERROR(matrix(b + "ffn_up.weight", p.n_embd, p.n_ff, &l.w_up));
    GW_RETURN_IF_ERROR(matrix(b + "ffn_down.weight", p.n_ff, p.n_embd, &l.w_down));
  }
  uint64_t most = 0;
  for (const auto& [type, n] : bytes_by_type) {
    weight_bytes_per_token_ += n;
    if (n > most) {
      most = n;
      main_type_ = type;
    }
  }
  return OkStatus();
}

// The matrices llama.cpp repacks (Q4_0, rows a multiple of 8), in one owned buffer. The
// embedding table is read by rows, so it stays as it is (a tied output gets a repacked copy).
std::vector<Weight*> LlamaModel::Matrices() {
  std::vector<Weight*> matrices = {&output_};
  for (LlamaLayer& l : layers_) {
    for (Weight* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down})
      matrices.push_back(w);
  }
  return matrices;
}

void LlamaModel::RepackQ4_0() {
  std::vector<Weight*> matrices = Matrices();
  std::erase_if(matrices,
                [](const Weight* w) { return w->type != TensorType::kQ4_0 || w->rows % 8 != 0; });
  size_t groups = 0;
  for (const Weight* w : matrices) groups += static_cast<size_t>(w->rows) * (w->cols / kBlock) / 8;
  repacked_.resize(groups);
  BlockQ4_0x8* next = repacked_.data();
  for (Weight* w : matrices) {
    const size_t blocks = w->cols / kBlock;
    const auto* rows = reinterpret_cast<const BlockQ4_0*>(w->data);
    for (uint32_t r = 0; r < w->rows; r += 8)
      RepackQ4_0x8(rows + r * blocks, blocks, blocks, next + r / 8 * blocks);
    w->q4_0x8 = next;
    next += w->rows / 8 * blocks;
    if (w != &output_ || !tied_output_) unread_.emplace_back(w->data, w->row_bytes * w->rows);
  }
}

// Each Q4_0 matrix's scales as floats, four rows' to a block (Weight::scales4), for kernels
// whose tile takes them so (tile_q4_0_scaled); the file's blocks stay as they are.
void LlamaModel::KeepQ4_0FloatScales() {
  std::vector<Weight*> matrices = Matrices();
  std::erase_if(matrices, [](const Weight* w) {
    return w->type != TensorType::kQ4_0 || w->rows % 4 != 0 || w->q4_0x8 != nullptr;
  });
  size_t total = 0;
  for (const Weight* w : matrices) total += static_cast<size_t>(w->rows) * (w->cols / kBlock);
  float_scales_.resize(total);
  float* next = float_scales_.data();
  for (Weight* w : matrices) {
    const size_t blocks = w->cols / kBlock;
    for (uint32_t r = 0; r < w->rows; r += 4) {
      for (size_t b = 0; b < blocks; ++b) {
        for (uint32_t i = 0; i < 4; ++i) {
          const auto* row = reinterpret_cast<const BlockQ4_0*>(w->Row(r + i));
          next[(r / 4 * blocks + b) * 4 + i] = Fp16ToFp32(row[b].d);
        }
      }
    }
    w->scales4 = next;
    next += static_cast<size_t>(w->rows) * blocks;
  }
}

}  // namespace gw::engine
