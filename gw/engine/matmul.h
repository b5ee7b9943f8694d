// Matrix work of the forward pass: activations converted once for a weight type, then
// y = W x for several weights at once (one pool job), each task a band of weight rows dotted
// with every activation row, up to kMaxDotRows at a time so each weight row is read once.
//
// Ownership: Activations owns its conversion buffer and reuses it between calls.
// Thread-safety: MatMul runs its tasks on the pool; the caller owns every buffer.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "gw/engine/compute_pool.h"
#include "gw/engine/kernels/kernels.h"
#include "gw/engine/llama_model.h"

namespace gw::engine {

// `rows` activation rows of `n` floats, in the format weights of `type` take them.
class Activations {
 public:
  void Convert(const Kernels& k, TensorType type, const float* x, int rows, size_t n);
  TensorType type() const { return type_; }
  int rows() const { return rows_; }
  const void* data() const { return data_; }
  size_t stride() const { return stride_; }  // in units of the format (blocks, halves, floats)
  // Q8_0 format: each block's sum of values (BlockSumsQ8_0), at the same stride.
  const int16_t* block_sums() const { return sums_.data(); }
  // Q8_0 format, for kernels with tile_q4_0_scaled: each block's scale as a float.
  const float* block_scales() const { return scales_.data(); }

 private:
  TensorType type_ = TensorType::kF32;
  int rows_ = 0;
  const void* data_ = nullptr;
  size_t stride_ = 0;
  std::vector<char> buffer_;
  std::vector<int16_t> sums_;
  std::vector<float> scales_;
};

// Converted activations for every weight type a model mixes, converted on demand.
class ActivationSet {
 public:
  void Reset(const float* x, int rows, size_t n) {
    x_ = x, rows_ = rows, n_ = n;
    for (bool& v : valid_) v = false;
  }
  const Activations& For(const Kernels& k, TensorType type);

 private:
  const float* x_ = nullptr;
  int rows_ = 0;
  size_t n_ = 0;
  Activations slots_[4];
  bool valid_[4] = {};
};

struct MatMulJob {
  const Weight* w;
  const Activations* x;
  float* y;  // y[t * y_stride + r] for activation row t, weight row r
  size_t y_stride;
};

void MatMul(ComputePool& pool, const Kernels& k, std::initializer_list<MatMulJob> jobs);

}  // namespace gw::engine
