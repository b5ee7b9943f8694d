// WebAssembly simd128 kernels (wasm32-wasi; this file alone is compiled with -msimd128).
// wasm has neither half-float conversions nor a fused multiply-add in its deterministic SIMD,
// so halves are converted with integer lane arithmetic, bit for bit as Fp16ToFp32 and
// Fp32ToFp16 do, and sums are multiply-then-add. The attention dots still give the scalar
// definition's bits (a product of two halves is exact in float, fused or not). SiLU and the
// softmax exponentials need fused steps and stay scalar (ggml_compat.cc) here.
// Chosen at build time (CMake defines GW_KERNELS_SIMD128); checked against the generic table
// by tools/cross/check_kernels.sh under Node's WASI.
// Thread-safety: pure functions; the table is immutable.
#include <wasm_simd128.h>

#include <cmath>
#include <cstring>
#include <type_traits>

#include "gw/engine/kernels/kernels.h"

namespace gw::engine::internal {
namespace {

// ---- Half floats, four to a vector of 32-bit lanes.

// The exponent is rebased by one multiply by 2^112, exact also for subnormal halves (they
// become normal floats); infinities and NaNs keep their payload as Fp16ToFp32 does.
inline v128_t HalfToFloat4(v128_t h) {
  const v128_t sign = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x8000)), 16);
  const v128_t body = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x7fff)), 13);
  const v128_t scaled = wasm_f32x4_mul(body, wasm_f32x4_splat(0x1p112f));
  const v128_t special = wasm_v128_or(body, wasm_i32x4_splat(0x7f800000));
  const v128_t is_special = wasm_i32x4_ge(body, wasm_i32x4_splat(0x1f << 23));  // exponent 31
  return wasm_v128_or(sign, wasm_v128_bitselect(special, scaled, is_special));
}

// Round to nearest even. Normal halves: 13 bits dropped with a carry when the rest is above
// half, or exactly half and the kept part odd. Subnormal halves: adding 0.5 leaves the float
// with a step of 2^-24, the half's, so the float add does the rounding.
inline v128_t FloatToHalf4(v128_t f) {
  const v128_t abs = wasm_v128_and(f, wasm_i32x4_splat(0x7fffffff));
  const v128_t sign = wasm_u32x4_shr(wasm_v128_and(f, wasm_i32x4_splat(static_cast<int32_t>(0x80000000u))), 16);
  const v128_t odd = wasm_v128_and(wasm_u32x4_shr(abs, 13), wasm_i32x4_splat(1));
  const v128_t rebased = wasm_i32x4_add(abs, wasm_i32x4_splat(0xfff - (112 << 23)));
  const v128_t normal = wasm_u32x4_shr(wasm_i32x4_add(rebased, odd), 13);
  const v128_t half = wasm_f32x4_splat(0.5f);
  const v128_t subnormal = wasm_i32x4_sub(wasm_f32x4_add(abs, half), half);
  v128_t h = wasm_v128_bitselect(normal, subnormal, wasm_u32x4_ge(abs, wasm_i32x4_splat(0x38800000)));
  h = wasm_v128_bitselect(wasm_i32x4_splat(0x7c00), h, wasm_u32x4_ge(abs, wasm_i32x4_splat(0x477ff000)));
  h = wasm_v128_bitselect(wasm_i32x4_splat(0x7e00), h, wasm_u32x4_gt(abs, wasm_i32x4_splat(0x7f800000)));
  return wasm_v128_or(h, sign);
}

struct F32x8 {
  v128_t lo, hi;
};
inline F32x8 Load8(const uint16_t* p) {
  const v128_t h = wasm_v128_load(p);
  return {HalfToFloat4(wasm_u32x4_extend_low_u16x8(h)), HalfToFloat4(wasm_u32x4_extend_high_u16x8(h))};
}
inline F32x8 Load8(const float* p) { return {wasm_v128_load(p), wasm_v128_load(p + 4)}; }
inline float Scalar(uint16_t h) { return Fp16ToFp32(h); }
inline float Scalar(float f) { return f; }

inline float Sum4(v128_t v) {
  return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) +
         (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

void Fp32ToFp16Row(const float* x, uint16_t* y, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const v128_t lo = FloatToHalf4(wasm_v128_load(x + i)), hi = FloatToHalf4(wasm_v128_load(x + i + 4));
    wasm_v128_store(y + i, wasm_u16x8_narrow_i32x4(lo, hi));  // lanes <= 0xfe00: no saturation
  }
  for (; i < n; ++i) y[i] = Fp32ToFp16(x[i]);
}

void RoundFp16(const float* x, float* y, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint16_t h[8];
    Fp32ToFp16Row(x + i, h, 8);
    const F32x8 v = Load8(h);
    wasm_v128_store(y + i, v.lo);
    wasm_v128_store(y + i + 4, v.hi);
  }
  for (; i < n; ++i) y[i] = Fp16ToFp32(Fp32ToFp16(x[i]));
}

// ---- Quantized dots.

void QuantizeQ8_0(const float* x, BlockQ8_0* y, size_t n) {
  for (size_t b = 0; b < n / kBlock; ++b, x += kBlock) {
    v128_t v[8];
    v128_t amax = wasm_f32x4_splat(0.0f);
    for (int k = 0; k < 8; ++k) {
      v[k] = wasm_v128_load(x + 4 * k);
      amax = wasm_f32x4_pmax(amax, wasm_f32x4_abs(v[k]));  // amax < v ? v : amax: skips NaN like std::fmax
    }
    amax = wasm_f32x4_pmax(amax, wasm_i32x4_shuffle(amax, amax, 2, 3, 0, 1));
    amax = wasm_f32x4_pmax(amax, wasm_i32x4_shuffle(amax, amax, 1, 0, 3, 2));
    const float max = wasm_f32x4_extract_lane(amax, 0);
    y[b].d = Fp32ToFp16(max / 127.0f);
    // The generic's scale (127 / amax, as ggml's x86 quantizer), rounded half to even.
    const v128_t id = wasm_f32x4_splat(max != 0 ? 127.0f / max : 0.0f);
    v128_t q16[4];
    for (int k = 0; k < 4; ++k) {
      const v128_t lo = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_mul(v[2 * k], id)));
      const v128_t hi = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_mul(v[2 * k + 1], id)));
      q16[k] = wasm_i16x8_narrow_i32x4(lo, hi);
    }
    wasm_v128_store(y[b].q, wasm_i8x16_narrow_i16x8(q16[0], q16[1]));
    wasm_v128_store(y[b].q + 16, wasm_i8x16_narrow_i16x8(q16[2], q16[3]));
  }
}

// acc + the products of 16 int8 pairs, four to an int32 lane.
inline v128_t DotI8(v128_t acc, v128_t a, v128_t b) {
  acc = wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(a), wasm_i16x8_extend_low_i8x16(b)));
  return wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(a), wasm_i16x8_extend_high_i8x16(b)));
}

// A weight block as 32 signed bytes (elements 0..15, 16..31) and its scale.
struct WeightBlock {
  v128_t lo, hi;
  float d;
};
inline WeightBlock Unpack(const BlockQ8_0& b) {
  return {wasm_v128_load(b.q), wasm_v128_load(b.q + 16), Fp16ToFp32(b.d)};
}
inline WeightBlock Unpack(const BlockQ4_0& b) {
  const v128_t v = wasm_v128_load(b.qs);
  const v128_t eight = wasm_i8x16_splat(8);
  return {wasm_i8x16_sub(wasm_v128_and(v, wasm_i8x16_splat(0x0f)), eight), wasm_i8x16_sub(wasm_u8x16_shr(v, 4), eight),
          Fp16ToFp32(b.d)};
}
inline v128_t BlockDot(const WeightBlock& w, const BlockQ8_0& x) {
  return DotI8(DotI8(wasm_i32x4_splat(0), w.lo, wasm_v128_load(x.q)), w.hi, wasm_v128_load(x.q + 16));
}
// One weight row against kRows activation rows; each block's integer lanes are scaled into
// float lanes, which are summed at the end.
template <int kRows, class W>
void DotBlockRows(const W* w, const BlockQ8_0* x, size_t x_stride, size_t blocks, float* out) {
  v128_t acc[kRows];
  for (v128_t& a : acc) a = wasm_f32x4_splat(0.0f);
  for (size_t b = 0; b < blocks; ++b) {
    const WeightBlock wb = Unpack(w[b]);
    for (int r = 0; r < kRows; ++r) {
      const BlockQ8_0& xb = x[r * x_stride + b];
      const v128_t scale = wasm_f32x4_splat(wb.d * Fp16ToFp32(xb.d));
      acc[r] = wasm_f32x4_add(acc[r], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(BlockDot(wb, xb)), scale));
    }
  }
  for (int r = 0; r < kRows; ++r) out[r] = Sum4(acc[r]);
}

// Float dots: two accumulators per activation row; the tail is scalar.
template <int kRows, class T>
void DotFloatRows(const T* w, const T* x, size_t x_stride, size_t n, float* out) {
  v128_t acc[kRows][2];
  for (auto& a : acc) a[0] = a[1] = wasm_f32x4_splat(0.0f);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const F32x8 wv = Load8(w + i);
    for (int r = 0; r < kRows; ++r) {
      const F32x8 xv = Load8(x + r * x_stride + i);
      acc[r][0] = wasm_f32x4_add(acc[r][0], wasm_f32x4_mul(wv.lo, xv.lo));
      acc[r][1] = wasm_f32x4_add(acc[r][1], wasm_f32x4_mul(wv.hi, xv.hi));
    }
  }
  for (int r = 0; r < kRows; ++r) {
    float s = Sum4(wasm_f32x4_add(acc[r][0], acc[r][1]));
    for (size_t j = i; j < n; ++j) s += Scalar(w[j]) * Scalar(x[r * x_stride + j]);
    out[r] = s;
  }
}

// Calls fn(std::integral_constant<int, rows>) for rows in 1..kMaxDotRows.
template <class Fn>
void ForRows(int rows, Fn fn) {
  switch (rows) {
    case 1: return fn(std::integral_constant<int, 1>{});
    case 2: return fn(std::integral_constant<int, 2>{});
    case 3: return fn(std::integral_constant<int, 3>{});
    default: return fn(std::integral_constant<int, 4>{});
  }
}

void DotQ8_0(const BlockQ8_0* w, const BlockQ8_0* x, size_t x_stride, int rows, size_t n, float* out) {
  ForRows(rows, [&](auto k) { DotBlockRows<decltype(k)::value>(w, x, x_stride, n / kBlock, out); });
}

void DotQ4_0(const BlockQ4_0* w, const BlockQ8_0* x, size_t x_stride, int rows, size_t n, float* out) {
  ForRows(rows, [&](auto k) { DotBlockRows<decltype(k)::value>(w, x, x_stride, n / kBlock, out); });
}

void DotF16(const uint16_t* w, const uint16_t* x, size_t x_stride, int rows, size_t n, float* out) {
  ForRows(rows, [&](auto k) { DotFloatRows<decltype(k)::value>(w, x, x_stride, n, out); });
}

void DotF32(const float* w, const float* x, size_t x_stride, int rows, size_t n, float* out) {
  ForRows(rows, [&](auto k) { DotFloatRows<decltype(k)::value>(w, x, x_stride, n, out); });
}

void AxpyF16(float a, const uint16_t* x, float* y, size_t n) {
  const v128_t av = wasm_f32x4_splat(a);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const F32x8 xv = Load8(x + i);
    wasm_v128_store(y + i, wasm_f32x4_add(wasm_v128_load(y + i), wasm_f32x4_mul(av, xv.lo)));
    wasm_v128_store(y + i + 4, wasm_f32x4_add(wasm_v128_load(y + i + 4), wasm_f32x4_mul(av, xv.hi)));
  }
  for (; i < n; ++i) y[i] += a * Fp16ToFp32(x[i]);
}

// ---- Attention dots in ggml's lane orders (DotF16Compat), bit for bit.

// ggml_compat.cc's TreeSum of 8 lanes held as {0..3} and {4..7}, and of 16 in four vectors.
inline float Tree8(v128_t lo, v128_t hi) {
  const v128_t s = wasm_f32x4_add(hi, lo);
  const float t0 = wasm_f32x4_extract_lane(s, 2) + wasm_f32x4_extract_lane(s, 0);
  const float t1 = wasm_f32x4_extract_lane(s, 3) + wasm_f32x4_extract_lane(s, 1);
  return t1 + t0;
}
inline float Tree16(const v128_t* v) { return Tree8(wasm_f32x4_add(v[2], v[0]), wasm_f32x4_add(v[3], v[1])); }
// ggml_compat.cc's PairSum8: the halves added, then neighbours pairwise.
inline float Pair8(v128_t lo, v128_t hi) { return Sum4(wasm_f32x4_add(lo, hi)); }

// One row of attn_dots_f16 (DotF16Compat with y already floats).
float AttnDotSimd128Row(size_t w, DotOrder order, const uint16_t* x, size_t seg, const float* y, size_t n, bool padded) {
  const size_t step = order == DotOrder::kTiled ? w : 4 * w;
  const size_t whole = n / step * step;
  v128_t acc[16];  // lane l of the step in acc[l / 4]
  for (v128_t& a : acc) a = wasm_f32x4_splat(0.0f);
  const size_t vectors = step / 4;
  auto run = [&](const uint16_t* xs, const float* ys) {
    for (size_t v = 0; v < vectors; v += 2) {
      const F32x8 a = Load8(xs + 4 * v), b = Load8(ys + 4 * v);
      acc[v] = wasm_f32x4_add(acc[v], wasm_f32x4_mul(a.lo, b.lo));
      acc[v + 1] = wasm_f32x4_add(acc[v + 1], wasm_f32x4_mul(a.hi, b.hi));
    }
  };
  for (size_t i = 0; i < whole; i += step) run(SegmentAt(x, seg, i), y + i);  // steps divide segments
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
    acc[h] = wasm_f32x4_add(acc[h], acc[2 * per + h]);
    acc[per + h] = wasm_f32x4_add(acc[per + h], acc[3 * per + h]);
    acc[h] = wasm_f32x4_add(acc[h], acc[per + h]);
  }
  double sum = w == 16 ? Tree16(acc) : Pair8(acc[0], acc[1]);
  if (!padded) {
    for (size_t j = whole; j < n; ++j) sum += static_cast<double>(Fp16ToFp32(*SegmentAt(x, seg, j)) * y[j]);
  }
  return static_cast<float>(sum);
}

void AttnDotsSimd128(ExpFlavor f, DotOrder order, const uint16_t* rows, size_t row_stride, size_t segment_stride,
                  size_t count, const float* y, size_t n, bool padded, float* out) {
  const size_t w = static_cast<size_t>(f);
  for (size_t i = 0; i < count; ++i) out[i] = AttnDotSimd128Row(w, order, rows + i * row_stride, segment_stride, y, n, padded);
}

constexpr Kernels kSimd128 = {
    "simd128", QuantizeQ8_0, Fp32ToFp16Row, RoundFp16, DotQ8_0, DotQ4_0,
    TileFromDots<DotQ8_0, BlockQ8_0>, TileFromDots<DotQ4_0, BlockQ4_0>, TileQ4_0x8Generic,
    DotF16, DotF32, AxpyF16, SwigluCompat, SoftmaxExpCompat, AttnDotsSimd128,
};

}  // namespace

const Kernels& WasmSimd128Table() { return kSimd128; }

}  // namespace gw::engine::internal
