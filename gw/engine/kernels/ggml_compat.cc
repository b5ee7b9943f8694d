// ggml-compatible SiLU, softmax and attention dots, scalar (the generic table's, and the
// reference the SIMD tables are checked against). See ggml_compat.h.
#include "gw/engine/kernels/ggml_compat.h"

#include "gw/engine/kernels/kernels.h"
#include "gw/engine/quant.h"

namespace gw::engine {
namespace {

// Sums `w` lanes (w = 8 or 16) in the order of the x86 horizontal-add sequences ggml uses:
// halves added pairwise down to one value.
float TreeSum(float* v, int w) {
  for (int half = w / 2; half >= 1; half /= 2) {
    for (int i = 0; i < half; ++i) v[i] = v[half + i] + v[i];
  }
  return v[0];
}

// ggml's AVX2 vec_dot reduce: the two 128-bit halves added, then neighbours pairwise.
float PairSum8(const float* v) {
  float t[4];
  for (int i = 0; i < 4; ++i) t[i] = v[i] + v[4 + i];
  return (t[0] + t[1]) + (t[2] + t[3]);
}

inline float Value(uint16_t h) { return Fp16ToFp32(h); }
inline float Value(float v) { return v; }

template <class T>
float DotCompat(ExpFlavor f, DotOrder order, const T* x, size_t segment_stride, const float* y,
                size_t n, bool padded) {
  auto xv = [&](size_t j) { return Value(*SegmentAt(x, segment_stride, j)); };
  const size_t w = static_cast<size_t>(f);
  float acc[4][16] = {};
  if (order == DotOrder::kTiled) {
    for (size_t j = 0; j < n; ++j) acc[0][j % w] += xv(j) * y[j];
    return TreeSum(acc[0], static_cast<int>(w));
  }
  const size_t step = 4 * w;
  const size_t np = padded ? n : n / step * step;  // padded: the zeros complete the last block
  for (size_t j = 0; j < np; ++j) acc[(j / w) % 4][j % w] += xv(j) * y[j];
  for (size_t l = 0; l < w; ++l) {
    acc[0][l] = acc[0][l] + acc[2][l];
    acc[1][l] = acc[1][l] + acc[3][l];
  }
  for (size_t l = 0; l < w; ++l) acc[0][l] = acc[0][l] + acc[1][l];
  double sum = f == ExpFlavor::kWide ? TreeSum(acc[0], 16) : PairSum8(acc[0]);
  for (size_t j = np; j < n; ++j) sum += static_cast<double>(xv(j) * y[j]);
  return static_cast<float>(sum);
}

}  // namespace

float DotF16Compat(ExpFlavor f, DotOrder order, const uint16_t* x, size_t segment_stride,
                   const float* y, size_t n, bool padded) {
  return DotCompat(f, order, x, segment_stride, y, n, padded);
}

float DotF16Compat(ExpFlavor f, DotOrder order, const float* x, size_t segment_stride,
                   const float* y, size_t n, bool padded) {
  return DotCompat(f, order, x, segment_stride, y, n, padded);
}

namespace internal {

void SwigluCompat(ExpFlavor f, const float* gate, const float* up, float* out, size_t n) {
  const size_t lanes = static_cast<size_t>(f);
  const size_t whole = n / lanes * lanes;
  for (size_t i = 0; i < whole; ++i)
    out[i] = gate[i] / (1.0f + exp_compat::Exp(f, -gate[i])) * up[i];
  for (size_t i = whole; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

double SoftmaxExpCompat(ExpFlavor f, float* x, size_t n, float max) {
  const int lanes = static_cast<int>(f);
  double sum = 0;
  float v[16];
  for (size_t i = 0; i < n; i += lanes) {
    for (int l = 0; l < lanes; ++l) {
      if (i + l < n) {
        x[i + l] = exp_compat::Exp(f, x[i + l] - max);
        v[l] = x[i + l];
      } else {
        v[l] = 0.0f;  // llama.cpp's masked (padding) positions
      }
    }
    sum += static_cast<double>(TreeSum(v, lanes));
  }
  return sum;
}

}  // namespace internal
}  // namespace gw::engine
