// NEON kernels for aarch64, where NEON, FMA and half-float conversion are all baseline.
// Integer dots use SDOT when the build targets it (__ARM_FEATURE_DOTPROD, e.g.
// -march=armv8.2-a+dotprod) and widening multiplies otherwise; both sum exactly.
// The ggml-compatible loops (SiLU, softmax exponentials, attention dots) are vector forms of
// the scalar definitions in ggml_compat.cc and give the same bits: FMLA/FMLS round once like
// std::fma, and a product of two halves is exact in float, so fused and unfused sums agree.
// Chosen at build time (CMake defines GW_KERNELS_NEON); checked against the generic table by
// kernels_test.cc and, cross-compiled under qemu, by tools/cross/check_kernels.sh.
// Thread-safety: pure functions; the table is immutable.
#include <arm_neon.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "gw/engine/kernels/kernels.h"

namespace gw::engine::internal {
namespace {

using namespace exp_compat;

// ---- Half floats. FCVT rounds to nearest even by default (FPCR.RMode), as Fp32ToFp16 does.

inline float Half(uint16_t h) {
  return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(h))), 0);
}

struct F32x8 {
  float32x4_t lo, hi;
};
inline F32x8 Load8(const uint16_t* p) {
  const float16x8_t h = vreinterpretq_f16_u16(vld1q_u16(p));
  return {vcvt_f32_f16(vget_low_f16(h)), vcvt_high_f32_f16(h)};
}
inline F32x8 Load8(const float* p) { return {vld1q_f32(p), vld1q_f32(p + 4)}; }
inline float Scalar(uint16_t h) { return Half(h); }
inline float Scalar(float f) { return f; }

// Four floats to halves. FCVTN keeps part of a NaN's payload; Fp32ToFp16 returns the quiet
// NaN 0x7e00 with the sign, so NaN lanes are replaced by that.
inline uint16x4_t ToHalf4(float32x4_t x) {
  const uint16x4_t h = vreinterpret_u16_f16(vcvt_f16_f32(x));
  const uint16x4_t nan = vorr_u16(vand_u16(h, vdup_n_u16(0x8000)), vdup_n_u16(0x7e00));
  return vbsl_u16(vmovn_u32(vceqq_f32(x, x)), h, nan);
}

void Fp32ToFp16Row(const float* x, uint16_t* y, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    vst1q_u16(y + i, vcombine_u16(ToHalf4(vld1q_f32(x + i)), ToHalf4(vld1q_f32(x + i + 4))));
  for (; i < n; ++i) y[i] = Fp32ToFp16(x[i]);
}

void RoundFp16(const float* x, float* y, size_t n) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vcvt_f32_f16(vcvt_f16_f32(vld1q_f32(x + i))));
  for (; i < n; ++i) y[i] = Fp16ToFp32(Fp32ToFp16(x[i]));
}

// ---- Quantized dots.

void QuantizeQ8_0(const float* x, BlockQ8_0* y, size_t n) {
  for (size_t b = 0; b < n / kBlock; ++b, x += kBlock) {
    float32x4_t v[8];
    float32x4_t amax = vdupq_n_f32(0.0f);
    for (int k = 0; k < 8; ++k) {
      v[k] = vld1q_f32(x + 4 * k);
      amax = vmaxnmq_f32(amax, vabsq_f32(v[k]));  // FMAXNM skips NaN, as std::fmax does
    }
    const float max = vmaxnmvq_f32(amax);
    y[b].d = vget_lane_u16(ToHalf4(vdupq_n_f32(max / 127.0f)), 0);
    // The generic's scale (127 / amax, as ggml's x86 quantizer), rounded half to even (FCVTNS).
    const float id = max != 0 ? 127.0f / max : 0.0f;
    int8x8_t q[4];
    for (int k = 0; k < 4; ++k) {
      const int32x4_t lo = vcvtnq_s32_f32(vmulq_n_f32(v[2 * k], id));
      const int32x4_t hi = vcvtnq_s32_f32(vmulq_n_f32(v[2 * k + 1], id));
      q[k] = vqmovn_s16(vcombine_s16(vqmovn_s32(lo), vqmovn_s32(hi)));
    }
    vst1q_s8(y[b].q, vcombine_s8(q[0], q[1]));
    vst1q_s8(y[b].q + 16, vcombine_s8(q[2], q[3]));
  }
}

// acc + the products of 16 int8 pairs, four to an int32 lane.
inline int32x4_t DotI8(int32x4_t acc, int8x16_t a, int8x16_t b) {
#if defined(__ARM_FEATURE_DOTPROD)
  return vdotq_s32(acc, a, b);
#else
  acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(a), vget_low_s8(b)));  // |product| <= 2^14
  return vpadalq_s16(acc, vmull_high_s8(a, b));
#endif
}

// A weight block as 32 signed bytes (elements 0..15, 16..31) and its scale.
struct WeightBlock {
  int8x16_t lo, hi;
  float d;
};
inline WeightBlock Unpack(const BlockQ8_0& b) {
  return {vld1q_s8(b.q), vld1q_s8(b.q + 16), Half(b.d)};
}
inline WeightBlock Unpack(const BlockQ4_0& b) {
  const uint8x16_t v = vld1q_u8(b.qs);
  const int8x16_t eight = vdupq_n_s8(8);
  return {vsubq_s8(vreinterpretq_s8_u8(vandq_u8(v, vdupq_n_u8(0x0f))), eight),
          vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(v, 4)), eight), Half(b.d)};
}
inline int32x4_t BlockDot(const WeightBlock& w, const BlockQ8_0& x) {
  return DotI8(DotI8(vdupq_n_s32(0), w.lo, vld1q_s8(x.q)), w.hi, vld1q_s8(x.q + 16));
}

// One weight row against kRows activation rows; each block's integer lanes are scaled into
// float lanes, which are summed at the end (ggml's NEON order).
template <int kRows, class W>
void DotBlockRows(const W* w, const BlockQ8_0* x, size_t x_stride, size_t blocks, float* out) {
  float32x4_t acc[kRows];
  for (float32x4_t& a : acc) a = vdupq_n_f32(0.0f);
  for (size_t b = 0; b < blocks; ++b) {
    const WeightBlock wb = Unpack(w[b]);
    for (int r = 0; r < kRows; ++r) {
      const BlockQ8_0& xb = x[r * x_stride + b];
      acc[r] = vfmaq_n_f32(acc[r], vcvtq_f32_s32(BlockDot(wb, xb)), wb.d * Half(xb.d));
    }
  }
  for (int r = 0; r < kRows; ++r) out[r] = vaddvq_f32(acc[r]);
}

// Float dots: two accumulators per activation row; the tail is scalar.
template <int kRows, class T>
void DotFloatRows(const T* w, const T* x, size_t x_stride, size_t n, float* out) {
  float32x4_t acc[kRows][2];
  for (auto& a : acc) a[0] = a[1] = vdupq_n_f32(0.0f);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const F32x8 wv = Load8(w + i);
    for (int r = 0; r < kRows; ++r) {
      const F32x8 xv = Load8(x + r * x_stride + i);
      acc[r][0] = vfmaq_f32(acc[r][0], wv.lo, xv.lo);
      acc[r][1] = vfmaq_f32(acc[r][1], wv.hi, xv.hi);
    }
  }
  for (int r = 0; r < kRows; ++r) {
    float s = vaddvq_f32(vaddq_f32(acc[r][0], acc[r][1]));
    for (size_t j = i; j < n; ++j) s += Scalar(w[j]) * Scalar(x[r * x_stride + j]);
    out[r] = s;
  }
}

// Calls fn(std::integral_constant<int, rows>) for rows in 1..kMaxDotRows.
template <class Fn>
void ForRows(int rows, Fn fn) {
  switch (rows) {
    case 1:
      return fn(std::integral_constant<int, 1>{});
    case 2:
      return fn(std::integral_constant<int, 2>{});
    case 3:
      return fn(std::integral_constant<int, 3>{});
    default:
      return fn(std::integral_constant<int, 4>{});
  }
}

void DotQ8_0(const BlockQ8_0* w, const BlockQ8_0* x, size_t x_stride, int rows, size_t n,
             float* out) {
  ForRows(rows, [&](auto k) { DotBlockRows<decltype(k)::value>(w, x, x_stride, n / kBlock, out); });
}

void DotQ4_0(const BlockQ4_0* w, const BlockQ8_0* x, size_t x_stride, int rows, size_t n,
             float* out) {
  ForRows(rows, [&](auto k) { DotBlockRows<decltype(k)::value>(w, x, x_stride, n / kBlock, out); });
}

void DotF16(const uint16_t* w, const uint16_t* x, size_t x_stride, int rows, size_t n, float* out) {
  ForRows(rows, [&](auto k) { DotFloatRows<decltype(k)::value>(w, x, x_stride, n, out); });
}

void DotF32(const float* w, const float* x, size_t x_stride, int rows, size_t n, float* out) {
  ForRows(rows, [&](auto k) { DotFloatRows<decltype(k)::value>(w, x, x_stride, n, out); });
}

void AxpyF16(float a, const uint16_t* x, float* y, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const F32x8 xv = Load8(x + i);
    vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(y + i), xv.lo, a));
    vst1q_f32(y + i + 4, vfmaq_n_f32(vld1q_f32(y + i + 4), xv.hi, a));
  }
  for (; i < n; ++i) y[i] = std::fma(a, Half(x[i]), y[i]);  // fused like the vector part
}

// ---- The ggml-compatible loops (ggml_compat.h), bit for bit their scalar definitions.

// Lanes whose power of two is out of one float's range (or NaN) take the scalar path.
inline float32x4_t ScalarExp(ExpFlavor f, float32x4_t x) {
  float v[4];
  vst1q_f32(v, x);
  for (float& e : v) e = Exp(f, e);
  return vld1q_f32(v);
}

// exp_compat::Exp of four lanes.
inline float32x4_t Exp4(ExpFlavor f, float32x4_t x) {
  const float32x4_t shift = vdupq_n_f32(kShift);
  const float32x4_t z = vfmaq_f32(shift, x, vdupq_n_f32(kLog2e));
  const float32x4_t n = vsubq_f32(z, shift);
  if (vminvq_u32(vcaleq_f32(n, vdupq_n_f32(126.0f))) == 0) return ScalarExp(f, x);
  const float32x4_t b = vfmsq_f32(vfmsq_f32(x, n, vdupq_n_f32(kLn2Hi)), n, vdupq_n_f32(kLn2Lo));
  const float32x4_t u = vmulq_f32(b, b);
  const float32x4_t high = vfmaq_f32(vfmaq_f32(vdupq_n_f32(kC1), vdupq_n_f32(kC2), b),
                                     vfmaq_f32(vdupq_n_f32(kC3), vdupq_n_f32(kC4), b), u);
  if (f == ExpFlavor::kWide) {  // (1 + p(b)) in the last FMA, then exactly scaled by 2^n
    const float32x4_t j = vfmaq_f32(vfmaq_f32(vdupq_n_f32(1.0f), vdupq_n_f32(kC0), b), high, u);
    const int32x4_t pow2 = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
    return vmulq_f32(j, vreinterpretq_f32_s32(pow2));
  }
  const float32x4_t j = vfmaq_f32(vmulq_f32(vdupq_n_f32(kC0), b), high, u);
  const uint32x4_t e = vshlq_n_u32(vreinterpretq_u32_f32(z), 23);
  const float32x4_t k = vreinterpretq_f32_u32(vaddq_u32(e, vdupq_n_u32(Bits(1.0f))));
  return vfmaq_f32(k, j, k);
}

// ggml_compat.cc's TreeSum of 8 lanes held as {0..3} and {4..7}, and of 16 in four vectors.
inline float Tree8(float32x4_t lo, float32x4_t hi) {
  const float32x4_t s = vaddq_f32(hi, lo);
  const float32x2_t t = vadd_f32(vget_high_f32(s), vget_low_f32(s));
  return vget_lane_f32(t, 1) + vget_lane_f32(t, 0);
}
inline float Tree16(const float32x4_t* v) {
  return Tree8(vaddq_f32(v[2], v[0]), vaddq_f32(v[3], v[1]));
}
// ggml_compat.cc's PairSum8: the halves added, then neighbours pairwise.
inline float Pair8(float32x4_t lo, float32x4_t hi) {
  const float32x4_t t = vaddq_f32(lo, hi);
  const float32x2_t p = vpadd_f32(vget_low_f32(t), vget_high_f32(t));  // {t0 + t1, t2 + t3}
  return vget_lane_f32(p, 0) + vget_lane_f32(p, 1);
}

void SwigluNeon(ExpFlavor f, const float* gate, const float* up, float* out, size_t n) {
  const size_t lanes = static_cast<size_t>(f);
  const size_t whole = n / lanes * lanes;  // a multiple of 4
  for (size_t i = 0; i < whole; i += 4) {
    const float32x4_t g = vld1q_f32(gate + i);
    const float32x4_t e = Exp4(f, vnegq_f32(g));
    vst1q_f32(out + i, vmulq_f32(vdivq_f32(g, vaddq_f32(vdupq_n_f32(1.0f), e)), vld1q_f32(up + i)));
  }
  for (size_t i = whole; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

double SoftmaxExpNeon(ExpFlavor f, float* x, size_t n, float max) {
  const size_t lanes = static_cast<size_t>(f);
  const float32x4_t m = vdupq_n_f32(max);
  double sum = 0;
  float tail[16];
  for (size_t i = 0; i < n; i += lanes) {
    float* p = x + i;
    const size_t have = std::min(lanes, n - i);
    if (have < lanes) {  // the masked positions that pad llama.cpp's row: exp(-inf) = 0
      for (size_t l = 0; l < lanes; ++l) tail[l] = l < have ? p[l] : -INFINITY;
      p = tail;
    }
    float32x4_t e[4];
    for (size_t v = 0; v < lanes / 4; ++v) {
      e[v] = Exp4(f, vsubq_f32(vld1q_f32(p + 4 * v), m));
      vst1q_f32(p + 4 * v, e[v]);
    }
    sum += static_cast<double>(lanes == 16 ? Tree16(e) : Tree8(e[0], e[1]));
    if (have < lanes) std::copy(tail, tail + have, x + i);
  }
  return sum;
}

// One row of attn_dots_f16 (DotF16Compat with y already floats).
float AttnDotNeonRow(size_t w, DotOrder order, const uint16_t* x, size_t seg, const float* y,
                     size_t n, bool padded) {
  const size_t step = order == DotOrder::kTiled ? w : 4 * w;
  const size_t whole = n / step * step;
  float32x4_t acc[16];  // lane l of the step in acc[l / 4]
  for (float32x4_t& a : acc) a = vdupq_n_f32(0.0f);
  const size_t vectors = step / 4;
  auto run = [&](const uint16_t* xs, const float* ys) {
    for (size_t v = 0; v < vectors; v += 2) {
      const F32x8 a = Load8(xs + 4 * v), b = Load8(ys + 4 * v);
      acc[v] = vfmaq_f32(acc[v], a.lo, b.lo);
      acc[v + 1] = vfmaq_f32(acc[v + 1], a.hi, b.hi);
    }
  };
  for (size_t i = 0; i < whole; i += step)
    run(SegmentAt(x, seg, i), y + i);  // steps divide segments
  // A padded row's last partial step is completed with zeros, like llama.cpp's cache (y is
  // zero there already).
  if (whole < n && (padded || order == DotOrder::kTiled)) {
    uint16_t xt[64] = {};
    std::memcpy(xt, SegmentAt(x, seg, whole), (n - whole) * sizeof(uint16_t));
    run(xt, y + whole);
  }
  if (order == DotOrder::kTiled) return w == 16 ? Tree16(acc) : Tree8(acc[0], acc[1]);
  // Vector-dot order: accumulators a0..a3 of w lanes; (a0 + a2), (a1 + a3), then their sum.
  const size_t per = w / 4;  // vectors per accumulator
  for (size_t h = 0; h < per; ++h) {
    acc[h] = vaddq_f32(acc[h], acc[2 * per + h]);
    acc[per + h] = vaddq_f32(acc[per + h], acc[3 * per + h]);
    acc[h] = vaddq_f32(acc[h], acc[per + h]);
  }
  double sum = w == 16 ? Tree16(acc) : Pair8(acc[0], acc[1]);
  if (!padded) {
    for (size_t j = whole; j < n; ++j)
      sum += static_cast<double>(Half(*SegmentAt(x, seg, j)) * y[j]);
  }
  return static_cast<float>(sum);
}

void AttnDotsNeon(ExpFlavor f, DotOrder order, const uint16_t* rows, size_t row_stride,
                  size_t segment_stride, size_t count, const float* y, size_t n, bool padded,
                  float* out) {
  const size_t w = static_cast<size_t>(f);
  for (size_t i = 0; i < count; ++i)
    out[i] = AttnDotNeonRow(w, order, rows + i * row_stride, segment_stride, y, n, padded);
}

constexpr Kernels kNeon = {
    "neon",
    QuantizeQ8_0,
    Fp32ToFp16Row,
    RoundFp16,
    DotQ8_0,
    DotQ4_0,
    TileFromDots<DotQ8_0, BlockQ8_0>,
    TileFromDots<DotQ4_0, BlockQ4_0>,
    TileQ4_0x8Generic,
    DotF16,
    DotF32,
    AxpyF16,
    SwigluNeon,
    SoftmaxExpNeon,
    AttnDotsNeon,
    nullptr,
    nullptr,
};

}  // namespace

const Kernels& ArmNeonTable() { return kNeon; }

}  // namespace gw::engine::internal
