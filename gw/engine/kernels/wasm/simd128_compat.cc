// The simd128 table's ggml-compatible loops (ggml_compat.h), bit for bit as the generic
// table computes them: attention dots in ggml's lane orders, and SiLU and the softmax with
// ggml's exponential. wasm has no fused multiply-add, and the C library's fmaf is slow, so
// Fma4 fuses four lanes exactly in double precision (see there).
// Compiled with -msimd128 (wasm32 builds only). Thread-safety: pure functions.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "gw/engine/kernels/kernels.h"
#include "gw/engine/kernels/wasm/simd128_common.h"

namespace gw::engine::internal {
namespace {

using namespace simd128;
using namespace exp_compat;

inline v128_t Splat(float v) { return wasm_f32x4_splat(v); }

// fmaf on four lanes. A float product is exact in double, so (double)a * b + c rounds once,
// to double, and rounding that to float gives the correctly rounded fma unless the first
// rounding was inexact and left the double exactly halfway between two floats (low 29 bits
// 0x10000000) or in the float subnormal range. Halfway and tiny lanes are common enough
// (operands with few significant bits add exactly, and the result may well sit halfway; a
// zero counts as tiny) that they are checked again: when the add was exact (TwoSum's error is
// zero) one rounding happened and the result stands; otherwise (rare) the vector takes the C
// library's fmaf.
inline v128_t Fma4(v128_t a, v128_t b, v128_t c) {
  struct Half {
    v128_t product, addend, sum;
  };
  auto half = [](v128_t x, v128_t y, v128_t z) {
    const v128_t p =
        wasm_f64x2_mul(wasm_f64x2_promote_low_f32x4(x), wasm_f64x2_promote_low_f32x4(y));
    const v128_t c = wasm_f64x2_promote_low_f32x4(z);
    return Half{p, c, wasm_f64x2_add(p, c)};
  };
  const Half lo = half(a, b, c);
  const Half hi = half(wasm_i32x4_shuffle(a, a, 2, 3, 2, 3), wasm_i32x4_shuffle(b, b, 2, 3, 2, 3),
                       wasm_i32x4_shuffle(c, c, 2, 3, 2, 3));
  const v128_t low_bits = wasm_i64x2_splat(0x1fffffff), midpoint = wasm_i64x2_splat(0x10000000);
  const v128_t tiny = wasm_f64x2_splat(0x1p-126);
  auto risky = [&](v128_t d) {
    return wasm_v128_or(wasm_i64x2_eq(wasm_v128_and(d, low_bits), midpoint),
                        wasm_f64x2_lt(wasm_f64x2_abs(d), tiny));
  };
  const v128_t risky_lo = risky(lo.sum), risky_hi = risky(hi.sum);
  if (wasm_v128_any_true(wasm_v128_or(risky_lo, risky_hi))) {
    auto inexact = [](const Half& h) {  // TwoSum: the add's rounding error is nonzero
      const v128_t bv = wasm_f64x2_sub(h.sum, h.product);
      const v128_t err = wasm_f64x2_add(wasm_f64x2_sub(h.product, wasm_f64x2_sub(h.sum, bv)),
                                        wasm_f64x2_sub(h.addend, bv));
      return wasm_f64x2_ne(err, wasm_f64x2_splat(0.0));
    };
    if (wasm_v128_any_true(wasm_v128_or(wasm_v128_and(risky_lo, inexact(lo)),
                                        wasm_v128_and(risky_hi, inexact(hi))))) {
      float x[4], y[4], z[4];
      wasm_v128_store(x, a);
      wasm_v128_store(y, b);
      wasm_v128_store(z, c);
      for (int l = 0; l < 4; ++l) x[l] = std::fma(x[l], y[l], z[l]);
      return wasm_v128_load(x);
    }
  }
  return wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(lo.sum),
                            wasm_f32x4_demote_f64x2_zero(hi.sum), 0, 1, 4, 5);
}

// exp_compat::Exp on four lanes; lanes whose power of two leaves one float's range (or NaN)
// take the scalar definition.
inline v128_t Exp4(ExpFlavor f, v128_t x) {
  const v128_t shift = Splat(kShift);
  const v128_t z = Fma4(x, Splat(kLog2e), shift);
  const v128_t n = wasm_f32x4_sub(z, shift);
  if (!wasm_i32x4_all_true(wasm_f32x4_le(wasm_f32x4_abs(n), Splat(126)))) {
    float v[4];
    wasm_v128_store(v, x);
    for (float& e : v) e = Exp(f, e);
    return wasm_v128_load(v);
  }
  const v128_t neg_n = wasm_f32x4_neg(n);
  // n * kLn2Hi is exact (7 bits by 15), so that fma is one rounded add.
  const v128_t b =
      Fma4(neg_n, Splat(kLn2Lo), wasm_f32x4_add(wasm_f32x4_mul(neg_n, Splat(kLn2Hi)), x));
  const v128_t u = wasm_f32x4_mul(b, b);
  const v128_t high = Fma4(Fma4(Splat(kC4), b, Splat(kC3)), u, Fma4(Splat(kC2), b, Splat(kC1)));
  if (f == ExpFlavor::kWide) {  // (1 + p(b)) in the last fma, then exactly scaled by 2^n
    const v128_t j = Fma4(high, u, Fma4(Splat(kC0), b, Splat(1.0f)));
    const v128_t pow2 =
        wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
    return wasm_f32x4_mul(j, pow2);
  }
  const v128_t j = Fma4(high, u, wasm_f32x4_mul(Splat(kC0), b));
  const v128_t k = wasm_i32x4_add(wasm_i32x4_shl(z, 23), wasm_i32x4_splat(0x3f800000));
  // k = 2^n, so j * k is exact unless it falls below the normal range: then fma(j, k, k) is
  // one rounded add.
  const v128_t jk = wasm_f32x4_mul(j, k);
  const v128_t exact = wasm_v128_or(wasm_f32x4_ge(wasm_f32x4_abs(jk), Splat(0x1p-126f)),
                                    wasm_f32x4_eq(j, Splat(0.0f)));
  return wasm_i32x4_all_true(exact) ? wasm_f32x4_add(jk, k) : Fma4(j, k, k);
}

// One row of attn_dots_f16 or attn_dots_f32 (DotF16Compat with y already floats) but for an
// unpadded row's leftovers (AttnDotRows adds them); the lane width and order are template
// arguments so that the accumulators stay in locals. Halves are converted by FiniteHalves8,
// and a row holding an infinity or NaN is summed again with HalfToFloat4.
template <size_t w, DotOrder order, class T, bool kFinite = std::is_same_v<T, uint16_t>>
double AttnDotRow(const T* x, size_t seg, const float* y, size_t n, bool padded) {
  constexpr size_t step = order == DotOrder::kTiled ? w : 4 * w;
  constexpr size_t vectors = step / 4;  // lane l of the step in acc[l / 4]
  const size_t whole = n / step * step;
  v128_t acc[vectors];
  for (v128_t& a : acc) a = Splat(0.0f);
  v128_t top = wasm_i16x8_splat(0);
  auto run = [&](const T* xs, const float* ys) {
#pragma clang loop unroll(full)
    for (size_t v = 0; v < vectors; v += 2) {
      F32x8 a;
      if constexpr (kFinite) {
        a = FiniteHalves8(wasm_v128_load(xs + 4 * v), top);
      } else {
        a = Load8(xs + 4 * v);
      }
      const F32x8 b = Load8(ys + 4 * v);
      acc[v] = wasm_f32x4_add(acc[v], wasm_f32x4_mul(a.lo, b.lo));
      acc[v + 1] = wasm_f32x4_add(acc[v + 1], wasm_f32x4_mul(a.hi, b.hi));
    }
  };
  for (size_t s0 = 0; s0 < whole; s0 += kAttnSegment) {  // steps divide segments
    const T* xs = SegmentAt(x, seg, s0);
    const size_t end = std::min(whole - s0, kAttnSegment);
    for (size_t i = 0; i < end; i += step) run(xs + i, y + s0 + i);
  }
  // A padded row's last partial step is completed with zeros, like llama.cpp's cache (y is
  // zero there already).
  if (whole < n && (padded || order == DotOrder::kTiled)) {
    T xt[64] = {};
    std::memcpy(xt, SegmentAt(x, seg, whole), (n - whole) * sizeof(T));
    run(xt, y + whole);
  }
  if constexpr (kFinite) {
    if (AnyNonFinite(top)) return AttnDotRow<w, order, T, false>(x, seg, y, n, padded);
  }
  if constexpr (order == DotOrder::kTiled) {
    if constexpr (w == 16) return Tree16(acc);
    return Tree8(acc[0], acc[1]);
  }
  // Vector-dot order: accumulators a0..a3 of w lanes; (a0 + a2), (a1 + a3), then their sum.
  constexpr size_t per = w / 4;  // vectors per accumulator
  for (size_t h = 0; h < per; ++h) {
    acc[h] = wasm_f32x4_add(acc[h], acc[(2 * per + h) % vectors]);
    acc[per + h] = wasm_f32x4_add(acc[(per + h) % vectors], acc[(3 * per + h) % vectors]);
    acc[h] = wasm_f32x4_add(acc[h], acc[(per + h) % vectors]);
  }
  if constexpr (w == 16) return Tree16(acc);
  return Pair8(acc[0], acc[1]);
}

template <class T>
inline v128_t Load4(const T* p) {
  if constexpr (std::is_same_v<T, float>) {
    return wasm_v128_load(p);
  } else {
    return HalfToFloat4(wasm_u32x4_extend_low_u16x8(wasm_v128_load64_zero(p)));
  }
}

// Leftovers: ggml adds each product (a float) to the row's double sum in turn. That chain of
// dependent adds is the slow part of a short row, so four rows' chains run together, two to
// a vector, with the same adds in the same order.
template <class T>
void AddLeftovers4(const T* const* x, const float* y, size_t count, double* sums) {
  v128_t acc01 = wasm_f64x2_make(sums[0], sums[1]), acc23 = wasm_f64x2_make(sums[2], sums[3]);
  auto add = [&](v128_t p0, v128_t p1, v128_t p2, v128_t p3) {  // lane 0 of each: one product
    acc01 =
        wasm_f64x2_add(acc01, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(p0, p1, 0, 4, 0, 4)));
    acc23 =
        wasm_f64x2_add(acc23, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(p2, p3, 0, 4, 0, 4)));
  };
  size_t j = 0;
  for (; j + 4 <= count; j += 4) {
    const v128_t yv = wasm_v128_load(y + j);
    v128_t p[4];
    for (int r = 0; r < 4; ++r) p[r] = wasm_f32x4_mul(Load4(x[r] + j), yv);
    add(p[0], p[1], p[2], p[3]);
    for (v128_t& v : p) v = wasm_i32x4_shuffle(v, v, 1, 2, 3, 0);
    add(p[0], p[1], p[2], p[3]);
    for (v128_t& v : p) v = wasm_i32x4_shuffle(v, v, 1, 2, 3, 0);
    add(p[0], p[1], p[2], p[3]);
    for (v128_t& v : p) v = wasm_i32x4_shuffle(v, v, 1, 2, 3, 0);
    add(p[0], p[1], p[2], p[3]);
  }
  for (; j < count; ++j) {
    v128_t p[4];
    for (int r = 0; r < 4; ++r) p[r] = Splat(Scalar(x[r][j]) * y[j]);
    add(p[0], p[1], p[2], p[3]);
  }
  sums[0] = wasm_f64x2_extract_lane(acc01, 0);
  sums[1] = wasm_f64x2_extract_lane(acc01, 1);
  sums[2] = wasm_f64x2_extract_lane(acc23, 0);
  sums[3] = wasm_f64x2_extract_lane(acc23, 1);
}

template <size_t w, DotOrder order, class T>
void AttnDotRows(const T* rows, size_t row_stride, size_t seg, size_t count, const float* y,
                 size_t n, bool padded, float* out) {
  constexpr size_t step = order == DotOrder::kTiled ? w : 4 * w;
  const size_t whole = n / step * step;
  size_t i = 0;
  if (order == DotOrder::kVecDot && !padded && whole < n) {  // leftovers (within one segment)
    for (; i + 4 <= count; i += 4) {
      double sums[4];
      const T* left[4];
      for (size_t r = 0; r < 4; ++r) {
        const T* x = rows + (i + r) * row_stride;
        sums[r] = AttnDotRow<w, order>(x, seg, y, n, padded);
        left[r] = SegmentAt(x, seg, whole);
      }
      AddLeftovers4(left, y + whole, n - whole, sums);
      for (size_t r = 0; r < 4; ++r) out[i + r] = static_cast<float>(sums[r]);
    }
    for (; i < count; ++i) {
      const T* x = rows + i * row_stride;
      double sum = AttnDotRow<w, order>(x, seg, y, n, padded);
      for (size_t j = whole; j < n; ++j)
        sum += static_cast<double>(Scalar(*SegmentAt(x, seg, j)) * y[j]);
      out[i] = static_cast<float>(sum);
    }
    return;
  }
  for (; i < count; ++i)
    out[i] = static_cast<float>(AttnDotRow<w, order>(rows + i * row_stride, seg, y, n, padded));
}

}  // namespace

void AttnDotsSimd128(ExpFlavor f, DotOrder order, const uint16_t* rows, size_t row_stride,
                     size_t segment_stride, size_t count, const float* y, size_t n, bool padded,
                     float* out) {
  WithLanesAndOrder(f, order, [&](auto w, auto o) {
    AttnDotRows<w(), o()>(rows, row_stride, segment_stride, count, y, n, padded, out);
  });
}

void AttnDotsF32Simd128(ExpFlavor f, DotOrder order, const float* rows, size_t row_stride,
                        size_t segment_stride, size_t count, const float* y, size_t n, bool padded,
                        float* out) {
  WithLanesAndOrder(f, order, [&](auto w, auto o) {
    AttnDotRows<w(), o()>(rows, row_stride, segment_stride, count, y, n, padded, out);
  });
}

void SwigluSimd128(ExpFlavor f, const float* gate, const float* up, float* out, size_t n) {
  const size_t lanes = static_cast<size_t>(f);
  const size_t whole = n / lanes * lanes;
  for (size_t i = 0; i < whole; i += 4) {
    const v128_t g = wasm_v128_load(gate + i);
    const v128_t e = Exp4(f, wasm_f32x4_neg(g));
    wasm_v128_store(out + i, wasm_f32x4_mul(wasm_f32x4_div(g, wasm_f32x4_add(Splat(1.0f), e)),
                                            wasm_v128_load(up + i)));
  }
  for (size_t i = whole; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

double SoftmaxExpSimd128(ExpFlavor f, float* x, size_t n, float max) {
  const size_t lanes = static_cast<size_t>(f);
  const size_t whole = n / lanes * lanes;
  double sum = 0;
  v128_t v[4];
  for (size_t i = 0; i < whole; i += lanes) {
    for (size_t k = 0; k < lanes / 4; ++k) {
      v[k] = Exp4(f, wasm_f32x4_sub(wasm_v128_load(x + i + 4 * k), Splat(max)));
      wasm_v128_store(x + i + 4 * k, v[k]);
    }
    sum += static_cast<double>(lanes == 16 ? Tree16(v) : Tree8(v[0], v[1]));
  }
  if (whole < n) {  // the last group, padded with llama.cpp's masked positions (exp = 0)
    float t[16] = {};
    for (size_t l = 0; l < n - whole; ++l) t[l] = x[whole + l] = Exp(f, x[whole + l] - max);
    for (size_t k = 0; k < lanes / 4; ++k) v[k] = wasm_v128_load(t + 4 * k);
    sum += static_cast<double>(lanes == 16 ? Tree16(v) : Tree8(v[0], v[1]));
  }
  return sum;
}

}  // namespace gw::engine::internal
