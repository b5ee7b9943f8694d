// Where edgegw must round exactly as llama.cpp's CPU backend (ggml) does, so that greedy
// decoding picks the same tokens even where two logits differ in the fourth digit: quantized
// activations make any last-bit difference upstream of them visible.
//
// 1. The exponential of its vector loops (SiLU and softmax). Both are polynomial
// approximations after ARM's optimized routines (about 1.5 ulp): exp(x) = 2^n * (1 + p(b))
// with n = round(x / ln 2) and b the reduced argument. They differ in where the last rounding
// falls, and ggml picks one by the CPU's vector width:
//   kWide (AVX-512 builds): j = 1 + p(b) rounded inside the last FMA, then scaled by 2^n.
//   kNarrow (AVX2 builds):  j = p(b) without the 1, then 2^n + 2^n * j in one FMA.
// Elements past the last whole vector (16 or 8 lanes) use the C library's expf, as ggml's
// scalar tails do.
// 2. The summation order of its half-float dot products in attention (q.k and p.v):
//   kVecDot (one new token): four vector accumulators over blocks of 4 vectors, summed
//     pairwise, then the lanes; elements past the last block added in double.
//   kTiled (a prompt of 2+ tokens; its GEMM): one vector accumulator, then the lanes.
// The lane sums follow the x86 horizontal-add sequences (a halving tree; ggml's AVX2 vec_dot
// reduce pairs neighbours instead).
// Thread-safety: pure functions.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace gw::engine {

enum class ExpFlavor : uint8_t { kWide = 16, kNarrow = 8 };

// The flavor llama.cpp uses on this CPU (AVX-512F with DQ: kWide; otherwise kNarrow).
ExpFlavor CpuExpFlavor();

namespace exp_compat {

inline constexpr float kShift = 0x1.8p23f;
inline constexpr float kLog2e = 0x1.715476p+0f;
inline constexpr float kLn2Hi = 0x1.62e4p-1f;
inline constexpr float kLn2Lo = 0x1.7f7d1cp-20f;
inline constexpr float kC0 = 0x1.ffffecp-1f, kC1 = 0x1.fffdb6p-2f, kC2 = 0x1.555e66p-3f;
inline constexpr float kC3 = 0x1.573e2ep-5f, kC4 = 0x1.0e4020p-7f;

inline float FromBits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}
inline uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

inline float ExpWide(float x) {
  const float z = std::fma(x, kLog2e, kShift);
  const float n = z - kShift;
  const float b = std::fma(-n, kLn2Lo, std::fma(-n, kLn2Hi, x));
  const float u = b * b;
  const float j = std::fma(std::fma(std::fma(kC4, b, kC3), u, std::fma(kC2, b, kC1)), u,
                           std::fma(kC0, b, 1.0f));
  if (std::fabs(n) > 192) return n <= 0 ? 0.0f : INFINITY;
  return std::ldexp(j, static_cast<int>(n));
}

inline float ExpNarrow(float x) {
  const float z = std::fma(x, kLog2e, kShift);
  const float n = z - kShift;
  const float b = std::fma(-n, kLn2Lo, std::fma(-n, kLn2Hi, x));
  const uint32_t e = Bits(z) << 23;
  const float k = FromBits(e + Bits(1.0f));
  const float u = b * b;
  const float j = std::fma(std::fma(std::fma(kC4, b, kC3), u, std::fma(kC2, b, kC1)), u, kC0 * b);
  if (std::fabs(n) <= 126) return std::fma(j, k, k);
  // Out of range of one power: split the scale in two, or saturate.
  const uint32_t g = n <= 0 ? 0x82000000u : 0u;
  const float s1 = FromBits(g + 0x7f000000u);
  const float s2 = FromBits(e - g);
  if (std::fabs(n) > 192) return s1 * s1;
  return std::fma(s2, j, s2) * s1;
}

inline float Exp(ExpFlavor f, float x) { return f == ExpFlavor::kWide ? ExpWide(x) : ExpNarrow(x); }

}  // namespace exp_compat

enum class DotOrder : uint8_t { kVecDot, kTiled };

// Calls fn(lanes, order) with both as std::integral_constant, for the SIMD tables' loops
// unrolled per lane width and order.
template <class F>
void WithLanesAndOrder(ExpFlavor f, DotOrder order, F&& fn) {
  using Wide = std::integral_constant<size_t, 16>;
  using Narrow = std::integral_constant<size_t, 8>;
  using Tiled = std::integral_constant<DotOrder, DotOrder::kTiled>;
  using VecDot = std::integral_constant<DotOrder, DotOrder::kVecDot>;
  const bool tiled = order == DotOrder::kTiled;
  if (f == ExpFlavor::kWide) {
    tiled ? fn(Wide{}, Tiled{}) : fn(Wide{}, VecDot{});
  } else {
    tiled ? fn(Narrow{}, Tiled{}) : fn(Narrow{}, VecDot{});
  }
}

// Attention rows may be cut into segments of this many values, a segment stride apart: the
// transposed V cache keeps each run of 256 positions of all its rows together, so a short
// context touches few pages. A stride of kAttnSegment is a contiguous row.
inline constexpr size_t kAttnSegment = 256;
template <class T>
inline const T* SegmentAt(const T* row, size_t segment_stride, size_t i) {
  return row + i / kAttnSegment * segment_stride + i % kAttnSegment;
}

// The dot of n halves in ggml's order for lane width `f`; x is a segmented row, y's halves
// are given as floats. `padded`: the row continues with zeros to a multiple of 256
// (llama.cpp's KV cache padding), so no element is a leftover.
float DotF16Compat(ExpFlavor f, DotOrder order, const uint16_t* x, size_t segment_stride,
                   const float* y, size_t n, bool padded);
// The same for a row of halves' values kept as floats (a KV cache in floats): the same bits.
float DotF16Compat(ExpFlavor f, DotOrder order, const float* x, size_t segment_stride,
                   const float* y, size_t n, bool padded);
}  // namespace gw::engine
