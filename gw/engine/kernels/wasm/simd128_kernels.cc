// WebAssembly simd128 kernels (wasm32-wasi; compiled with -msimd128): conversions, the
// quantized and float dots and tiles, and the table. wasm has neither half-float conversions
// nor a fused multiply-add in its deterministic SIMD, so halves are converted with integer
// lane arithmetic (simd128_common.h) and sums are multiply-then-add. The ggml-compatible
// loops (attention, SiLU, softmax) are in simd128_compat.cc. Chosen at build time (CMake
// defines GW_KERNELS_SIMD128); checked against the generic table by
// tools/cross/check_kernels.sh under Node's WASI.
// Thread-safety: pure functions; the table is immutable.
#include <cmath>
#include <cstring>
#include <type_traits>

#include "gw/engine/kernels/kernels.h"
#include "gw/engine/kernels/wasm/simd128_common.h"

namespace gw::engine::internal {
namespace {

using namespace simd128;

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
  return {wasm_v128_load(b.q), wasm_v128_load(b.q + 16), HalfToFloat(b.d)};
}
inline WeightBlock Unpack(const BlockQ4_0& b) {
  const v128_t v = wasm_v128_load(b.qs);
  const v128_t eight = wasm_i8x16_splat(8);
  return {wasm_i8x16_sub(wasm_v128_and(v, wasm_i8x16_splat(0x0f)), eight), wasm_i8x16_sub(wasm_u8x16_shr(v, 4), eight),
          HalfToFloat(b.d)};
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
      const v128_t scale = wasm_f32x4_splat(wb.d * HalfToFloat(xb.d));
      acc[r] = wasm_f32x4_add(acc[r], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(BlockDot(wb, xb)), scale));
    }
  }
  for (int r = 0; r < kRows; ++r) out[r] = Sum4(acc[r]);
}

// An activation block as 16-bit lanes, extended once for the four weight rows of a tile.
struct ActivationBlock {
  v128_t q[4];
  float d;
};
inline ActivationBlock Extend(const BlockQ8_0& x) {
  const v128_t lo = wasm_v128_load(x.q), hi = wasm_v128_load(x.q + 16);
  return {{wasm_i16x8_extend_low_i8x16(lo), wasm_i16x8_extend_high_i8x16(lo), wasm_i16x8_extend_low_i8x16(hi),
           wasm_i16x8_extend_high_i8x16(hi)},
          HalfToFloat(x.d)};
}
inline v128_t BlockDot(const WeightBlock& w, const ActivationBlock& x) {
  const v128_t a = wasm_i32x4_add(wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(w.lo), x.q[0]),
                                  wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(w.lo), x.q[1]));
  const v128_t b = wasm_i32x4_add(wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(w.hi), x.q[2]),
                                  wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(w.hi), x.q[3]));
  return wasm_i32x4_add(a, b);
}

// Four weight rows (w_stride blocks apart) against kCols activation rows: each activation
// block is extended once for the four rows, each weight block once for the kCols columns.
// Every output sums its lanes as DotBlockRows does, so tiles and dots give the same bits.
template <int kCols, class W>
void TileBlockRows(const W* w, size_t w_stride, const BlockQ8_0* x, size_t x_stride, size_t blocks, float* out) {
  // Unrolled in full so that the accumulators and blocks stay in locals (clang keeps arrays of
  // v128 in memory otherwise).
  v128_t acc[kCols][4];
#pragma clang loop unroll(full)
  for (int j = 0; j < kCols; ++j) {
#pragma clang loop unroll(full)
    for (int i = 0; i < 4; ++i) acc[j][i] = wasm_f32x4_splat(0.0f);
  }
  for (size_t b = 0; b < blocks; ++b) {
    WeightBlock wb[4];
#pragma clang loop unroll(full)
    for (int i = 0; i < 4; ++i) wb[i] = Unpack(w[i * w_stride + b]);
    // The four rows' scales converted together (the same bits as one at a time).
    const v128_t dw = HalfToFloat4(
        wasm_i32x4_make(w[b].d, w[w_stride + b].d, w[2 * w_stride + b].d, w[3 * w_stride + b].d));
#pragma clang loop unroll(full)
    for (int j = 0; j < kCols; ++j) {
      const ActivationBlock xb = Extend(x[j * x_stride + b]);
      const v128_t d = wasm_f32x4_mul(dw, wasm_f32x4_splat(xb.d));
      const v128_t scale[4] = {wasm_i32x4_shuffle(d, d, 0, 0, 0, 0), wasm_i32x4_shuffle(d, d, 1, 1, 1, 1),
                               wasm_i32x4_shuffle(d, d, 2, 2, 2, 2), wasm_i32x4_shuffle(d, d, 3, 3, 3, 3)};
#pragma clang loop unroll(full)
      for (int i = 0; i < 4; ++i) {
        acc[j][i] = wasm_f32x4_add(acc[j][i], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(BlockDot(wb[i], xb)), scale[i]));
      }
    }
  }
#pragma clang loop unroll(full)
  for (int j = 0; j < kCols; ++j) {
#pragma clang loop unroll(full)
    for (int i = 0; i < 4; ++i) out[j * 4 + i] = Sum4(acc[j][i]);
  }
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

void TileQ8_0(const BlockQ8_0* w, size_t w_stride, const BlockQ8_0* x, size_t x_stride, int cols, size_t n, float* out) {
  ForRows(cols, [&](auto k) { TileBlockRows<decltype(k)::value>(w, w_stride, x, x_stride, n / kBlock, out); });
}

void TileQ4_0(const BlockQ4_0* w, size_t w_stride, const BlockQ8_0* x, size_t x_stride, int cols, size_t n, float* out) {
  ForRows(cols, [&](auto k) { TileBlockRows<decltype(k)::value>(w, w_stride, x, x_stride, n / kBlock, out); });
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
  for (; i < n; ++i) y[i] += a * HalfToFloat(x[i]);
}

constexpr Kernels kSimd128 = {
    "simd128", QuantizeQ8_0, Fp32ToFp16Row, RoundFp16, DotQ8_0, DotQ4_0,
    TileQ8_0, TileQ4_0, TileQ4_0x8Generic,
    DotF16, DotF32, AxpyF16, SwigluSimd128, SoftmaxExpSimd128, AttnDotsSimd128,
};

}  // namespace

const Kernels& WasmSimd128Table() { return kSimd128; }

}  // namespace gw::engine::internal
