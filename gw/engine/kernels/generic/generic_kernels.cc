// The reference kernels: plain C++ that every target compiles. The SIMD tables are checked
// against these, and targets without a SIMD table run them.
#include <cmath>

#include "gw/engine/kernels/kernels.h"

namespace gw::engine {
namespace {

void QuantizeQ8_0(const float* x, BlockQ8_0* y, size_t n) {
  for (size_t b = 0; b < n / kBlock; ++b, x += kBlock) {
    float amax = 0;
    for (size_t j = 0; j < kBlock; ++j) amax = std::fmax(amax, std::fabs(x[j]));
    // As ggml's SIMD quantizers do: id = 127 / amax, products rounded half to even.
    float id = amax != 0 ? 127.0f / amax : 0.0f;
    y[b].d = Fp32ToFp16(amax / 127.0f);
    for (size_t j = 0; j < kBlock; ++j) y[b].q[j] = static_cast<int8_t>(std::nearbyintf(x[j] * id));
  }
}

void Fp32ToFp16Row(const float* x, uint16_t* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = Fp32ToFp16(x[i]);
}

void RoundFp16(const float* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = Fp16ToFp32(Fp32ToFp16(x[i]));
}

template <class T>
void AttnDots(ExpFlavor f, DotOrder order, const T* rows, size_t row_stride, size_t segment_stride,
              size_t count, const float* y, size_t n, bool padded, float* out) {
  for (size_t i = 0; i < count; ++i)
    out[i] = DotF16Compat(f, order, rows + i * row_stride, segment_stride, y, n, padded);
}

void DotQ8_0(const BlockQ8_0* w, const BlockQ8_0* x, size_t x_stride, int rows, size_t n,
             float* out) {
  for (int r = 0; r < rows; ++r) {
    const BlockQ8_0* xr = x + r * x_stride;
    float sum = 0;
    for (size_t b = 0; b < n / kBlock; ++b) {
      int32_t isum = 0;
      for (size_t j = 0; j < kBlock; ++j) isum += w[b].q[j] * xr[b].q[j];
      sum += static_cast<float>(isum) * (Fp16ToFp32(w[b].d) * Fp16ToFp32(xr[b].d));
    }
    out[r] = sum;
  }
}

// A Q4_0 block's integer dot with a Q8_0 block (nibble j: element j, high nibble j + 16).
int32_t BlockTotal(const BlockQ4_0& w, const BlockQ8_0& x) {
  int32_t isum = 0;
  for (size_t j = 0; j < kBlock / 2; ++j) {
    isum += ((w.qs[j] & 0x0f) - 8) * x.q[j];
    isum += ((w.qs[j] >> 4) - 8) * x.q[j + kBlock / 2];
  }
  return isum;
}

void DotQ4_0(const BlockQ4_0* w, const BlockQ8_0* x, size_t x_stride, int rows, size_t n,
             float* out) {
  for (int r = 0; r < rows; ++r) {
    const BlockQ8_0* xr = x + r * x_stride;
    float sum = 0;
    for (size_t b = 0; b < n / kBlock; ++b) {
      sum +=
          static_cast<float>(BlockTotal(w[b], xr[b])) * (Fp16ToFp32(w[b].d) * Fp16ToFp32(xr[b].d));
    }
    out[r] = sum;
  }
}

// Four partial sums, so the compiler may keep them in registers; summed in a fixed order.
template <class Load>
float Dot4(size_t n, Load load) {
  float s[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int k = 0; k < 4; ++k) s[k] += load(i + k);
  }
  for (; i < n; ++i) s[0] += load(i);
  return (s[0] + s[1]) + (s[2] + s[3]);
}

void DotF16(const uint16_t* w, const uint16_t* x, size_t x_stride, int rows, size_t n, float* out) {
  for (int r = 0; r < rows; ++r) {
    const uint16_t* xr = x + r * x_stride;
    out[r] = Dot4(n, [&](size_t i) { return Fp16ToFp32(w[i]) * Fp16ToFp32(xr[i]); });
  }
}

void DotF32(const float* w, const float* x, size_t x_stride, int rows, size_t n, float* out) {
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + r * x_stride;
    out[r] = Dot4(n, [&](size_t i) { return w[i] * xr[i]; });
  }
}

void AxpyF16(float a, const uint16_t* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += a * Fp16ToFp32(x[i]);
}

constexpr Kernels kGeneric = {
    "generic",
    QuantizeQ8_0,
    Fp32ToFp16Row,
    RoundFp16,
    DotQ8_0,
    DotQ4_0,
    internal::TileFromDots<DotQ8_0, BlockQ8_0>,
    internal::TileFromDots<DotQ4_0, BlockQ4_0>,
    internal::TileQ4_0x8Generic,
    DotF16,
    DotF32,
    AxpyF16,
    internal::SwigluCompat,
    internal::SoftmaxExpCompat,
    AttnDots<uint16_t>,
    nullptr,
    nullptr,
};

// DotQ4_0 with float scales: the same sums.
void TileQ4_0Scaled(const BlockQ4_0* w, size_t w_stride, const float* w_scales, const BlockQ8_0* x,
                    const float* x_scales, size_t x_stride, int cols, size_t n, int groups,
                    float* y, size_t y_stride) {
  const size_t blocks = n / kBlock;
  for (int r = 0; r < 4 * groups; ++r) {
    const float* scales = w_scales + 4 * (r / 4) * blocks + r % 4;  // row r's, 4 apart
    for (int j = 0; j < cols; ++j) {
      float sum = 0;
      for (size_t b = 0; b < blocks; ++b) {
        const int32_t isum = BlockTotal(w[r * w_stride + b], x[j * x_stride + b]);
        sum += static_cast<float>(isum) * (scales[4 * b] * x_scales[j * x_stride + b]);
      }
      y[j * y_stride + r] = sum;
    }
  }
}

constexpr Kernels kGenericWasmLike = {
    "generic-wasm-like",
    QuantizeQ8_0,
    Fp32ToFp16Row,
    RoundFp16,
    DotQ8_0,
    DotQ4_0,
    internal::TileFromDots<DotQ8_0, BlockQ8_0>,
    internal::TileFromDots<DotQ4_0, BlockQ4_0>,
    internal::TileQ4_0x8Generic,
    DotF16,
    DotF32,
    AxpyF16,
    internal::SwigluCompat,
    internal::SoftmaxExpCompat,
    AttnDots<uint16_t>,
    AttnDots<float>,
    TileQ4_0Scaled,
};

}  // namespace

const Kernels& GenericKernels() { return kGeneric; }
const Kernels& GenericWasmLikeKernels() { return kGenericWasmLike; }

// Signed values straight from the nibbles (x_sums unused): the reference the SIMD forms,
// which subtract 8 * x_sums instead, are checked against.
void internal::TileQ4_0x8Generic(const BlockQ4_0x8* w, const BlockQ8_0* x, const int16_t*,
                                 size_t x_stride, int cols, size_t n, float* out) {
  for (int j = 0; j < cols; ++j) {
    const BlockQ8_0* xr = x + j * x_stride;
    for (int k = 0; k < 8; ++k) {
      float sum = 0;
      for (size_t b = 0; b < n / kBlock; ++b) {
        int32_t isum = 0;
        for (int c = 0; c < 4; ++c) {
          for (int m = 0; m < 4; ++m) {
            const uint8_t q = w[b].qs[32 * c + 4 * k + m];
            isum +=
                ((q & 0x0f) - 8) * xr[b].q[4 * c + m] + ((q >> 4) - 8) * xr[b].q[16 + 4 * c + m];
          }
        }
        sum = std::fma(static_cast<float>(isum), Fp16ToFp32(w[b].d[k]) * Fp16ToFp32(xr[b].d), sum);
      }
      out[j * 8 + k] = sum;
    }
  }
}

}  // namespace gw::engine
