#include "gw/engine/matmul.h"

#include <algorithm>

namespace gw::engine {
namespace {

int SlotOf(TensorType t) {
  switch (t) {
    case TensorType::kF32:
      return 0;
    case TensorType::kF16:
      return 1;
    case TensorType::kQ4_0:
      return 2;
    case TensorType::kQ8_0:
      return 3;
  }
  return 0;
}

void DotRows(const Kernels& k, const Weight& w, uint32_t r, const Activations& x, int t0, int rows,
             float* out) {
  const char* row = w.Row(r);
  switch (w.type) {
    case TensorType::kQ8_0:
      k.dot_q8_0(reinterpret_cast<const BlockQ8_0*>(row),
                 static_cast<const BlockQ8_0*>(x.data()) + t0 * x.stride(), x.stride(), rows,
                 w.cols, out);
      return;
    case TensorType::kQ4_0:
      k.dot_q4_0(reinterpret_cast<const BlockQ4_0*>(row),
                 static_cast<const BlockQ8_0*>(x.data()) + t0 * x.stride(), x.stride(), rows,
                 w.cols, out);
      return;
    case TensorType::kF16:
      k.dot_f16(reinterpret_cast<const uint16_t*>(row),
                static_cast<const uint16_t*>(x.data()) + t0 * x.stride(), x.stride(), rows, w.cols,
                out);
      return;
    case TensorType::kF32:
      k.dot_f32(reinterpret_cast<const float*>(row),
                static_cast<const float*>(x.data()) + t0 * x.stride(), x.stride(), rows, w.cols,
                out);
      return;
  }
}

// Four weight rows from r against activation rows t0..t0+cols; false when the type has no tile.
bool Tile(const Kernels& k, const Weight& w, uint32_t r, const Activations& x, int t0, int cols,
          float* out) {
  const auto* xq = static_cast<const BlockQ8_0*>(x.data()) + t0 * x.stride();
  const size_t w_stride =
      w.row_bytes / (w.type == TensorType::kQ8_0 ? sizeof(BlockQ8_0) : sizeof(BlockQ4_0));
  switch (w.type) {
    case TensorType::kQ8_0:
      k.tile_q8_0(reinterpret_cast<const BlockQ8_0*>(w.Row(r)), w_stride, xq, x.stride(), cols,
                  w.cols, out);
      return true;
    case TensorType::kQ4_0:
      if (w.scales4 != nullptr && k.tile_q4_0_scaled) {
        k.tile_q4_0_scaled(reinterpret_cast<const BlockQ4_0*>(w.Row(r)), w_stride,
                           w.scales4 + r * w_stride, xq, x.block_scales() + t0 * x.stride(),
                           x.stride(), cols, w.cols, 1, out, 4);
      } else {
        k.tile_q4_0(reinterpret_cast<const BlockQ4_0*>(w.Row(r)), w_stride, xq, x.stride(), cols,
                    w.cols, out);
      }
      return true;
    default:
      return false;
  }
}

// Rows r0..r1 (multiples of 8) of a repacked Q4_0 weight against every activation row.
void RepackedRows(const Kernels& k, const MatMulJob& j, uint32_t r0, uint32_t r1) {
  const size_t blocks = j.w->cols / kBlock;
  const auto* x = static_cast<const BlockQ8_0*>(j.x->data());
  const int n_x = j.x->rows();
  float out[8 * kMaxDotRows];
  for (uint32_t r = r0; r < r1; r += 8) {
    for (int t0 = 0; t0 < n_x; t0 += kMaxDotRows) {
      const int cols = std::min(kMaxDotRows, n_x - t0);
      k.tile_q4_0x8(j.w->q4_0x8 + r / 8 * blocks, x + t0 * j.x->stride(),
                    j.x->block_sums() + t0 * j.x->stride(), j.x->stride(), cols, j.w->cols, out);
      for (int t = 0; t < cols; ++t) std::copy_n(out + 8 * t, 8, j.y + (t0 + t) * j.y_stride + r);
    }
  }
}

}  // namespace

void Activations::Convert(const Kernels& k, TensorType type, const float* x, int rows, size_t n) {
  type_ = type;
  rows_ = rows;
  switch (type) {
    case TensorType::kF32:
      data_ = x;
      stride_ = n;
      return;
    case TensorType::kF16: {
      buffer_.resize(rows * n * sizeof(uint16_t));
      auto* out = reinterpret_cast<uint16_t*>(buffer_.data());
      for (int t = 0; t < rows; ++t) k.fp32_to_fp16(x + t * n, out + t * n, n);
      data_ = out;
      stride_ = n;
      return;
    }
    case TensorType::kQ8_0:
    case TensorType::kQ4_0: {
      size_t blocks = n / kBlock;
      buffer_.resize(rows * blocks * sizeof(BlockQ8_0));
      auto* out = reinterpret_cast<BlockQ8_0*>(buffer_.data());
      for (int t = 0; t < rows; ++t) k.quantize_q8_0(x + t * n, out + t * blocks, n);
      sums_.resize(rows * blocks);
      BlockSumsQ8_0(out, sums_.data(), rows * blocks);
      if (k.tile_q4_0_scaled) {
        scales_.resize(rows * blocks);
        for (size_t i = 0; i < rows * blocks; ++i) scales_[i] = Fp16ToFp32(out[i].d);
      }
      data_ = out;
      stride_ = blocks;
      return;
    }
  }
}

const Activations& ActivationSet::For(const Kernels& k, TensorType type) {
  int slot = SlotOf(type);
  // Q4_0 and Q8_0 weights both take Q8_0 activations: share the conversion.
  if (type == TensorType::kQ4_0 && valid_[SlotOf(TensorType::kQ8_0)])
    return slots_[SlotOf(TensorType::kQ8_0)];
  if (type == TensorType::kQ8_0 && valid_[SlotOf(TensorType::kQ4_0)])
    return slots_[SlotOf(TensorType::kQ4_0)];
  if (!valid_[slot]) {
    slots_[slot].Convert(k, type, x_, rows_, n_);
    valid_[slot] = true;
  }
  return slots_[slot];
}

void MatMul(ComputePool& pool, const Kernels& k, std::initializer_list<MatMulJob> jobs) {
  // Bands of weight rows: enough tasks to balance the threads, few enough that the shared
  // task counter stays cold.
  uint64_t total_rows = 0;
  for (const MatMulJob& j : jobs) total_rows += j.w->rows;
  const uint64_t want_tasks = static_cast<uint64_t>(pool.threads()) * 8;
  // Multiples of 8 rows: whole groups of repacked Q4_0 weights, whole 4-row tiles.
  const uint32_t band = static_cast<uint32_t>(
      std::max<uint64_t>(8, (total_rows + want_tasks - 1) / want_tasks + 7) / 8 * 8);
  struct Task {
    const MatMulJob* job;
    uint32_t r0, r1;
  };
  std::vector<Task> tasks;
  tasks.reserve(want_tasks + jobs.size());
  for (const MatMulJob& j : jobs) {
    for (uint32_t r = 0; r < j.w->rows; r += band)
      tasks.push_back({&j, r, std::min(j.w->rows, r + band)});
  }
  pool.ParallelFor(static_cast<int>(tasks.size()), [&](int i, int) {
    const Task& task = tasks[i];
    const MatMulJob& j = *task.job;
    if (j.w->q4_0x8 != nullptr) return RepackedRows(k, j, task.r0, task.r1);
    const int n_x = j.x->rows();
    if (j.w->scales4 != nullptr && k.tile_q4_0_scaled && n_x <= kMaxDotRows) {
      // A few activation rows (decode): one call for the band, straight into y. More rows
      // keep the loop below, which reads each group of weight rows once for all of them.
      const size_t w_stride = j.w->row_bytes / sizeof(BlockQ4_0);
      k.tile_q4_0_scaled(reinterpret_cast<const BlockQ4_0*>(j.w->Row(task.r0)), w_stride,
                         j.w->scales4 + task.r0 * w_stride,
                         static_cast<const BlockQ8_0*>(j.x->data()), j.x->block_scales(),
                         j.x->stride(), n_x, j.w->cols, static_cast<int>(task.r1 - task.r0) / 4,
                         j.y + task.r0, j.y_stride);
      return;
    }
    float out[4 * kMaxDotRows];
    uint32_t r = task.r0;
    // Four weight rows at a time (each table's tile decides how to share the loads).
    for (; r + 4 <= task.r1; r += 4) {
      bool tiled = true;
      for (int t0 = 0; t0 < n_x && tiled; t0 += kMaxDotRows) {
        int cols = std::min(kMaxDotRows, n_x - t0);
        tiled = Tile(k, *j.w, r, *j.x, t0, cols, out);
        if (!tiled) break;
        for (int t = 0; t < cols; ++t) {
          for (int i = 0; i < 4; ++i) j.y[(t0 + t) * j.y_stride + r + i] = out[t * 4 + i];
        }
      }
      if (!tiled) break;
    }
    for (; r < task.r1; ++r) {
      for (int t0 = 0; t0 < n_x; t0 += kMaxDotRows) {
        int rows = std::min(kMaxDotRows, n_x - t0);
        DotRows(k, *j.w, r, *j.x, t0, rows, out);
        for (int t = 0; t < rows; ++t) j.y[(t0 + t) * j.y_stride + r] = out[t];
      }
    }
  });
}

}  // namespace gw::engine
