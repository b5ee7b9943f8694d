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
    const v128_t lo = FloatToHalf4(wasm_v128_load(x + i)),
                 hi = FloatToHalf4(wasm_v128_load(x + i + 4));
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

// ---- Quantized dots and tiles.

void QuantizeQ8_0(const float* x, BlockQ8_0* y, size_t n) {
  for (size_t b = 0; b < n / kBlock; ++b, x += kBlock) {
    v128_t v[8];
    v128_t amax = wasm_f32x4_splat(0.0f);
    for (int k = 0; k < 8; ++k) {
      v[k] = wasm_v128_load(x + 4 * k);
      amax = wasm_f32x4_pmax(
          amax, wasm_f32x4_abs(v[k]));  // amax < v ? v : amax: skips NaN like std::fmax
    }
    amax = wasm_f32x4_pmax(amax, wasm_i32x4_shuffle(amax, amax, 2, 3, 0, 1));
    amax = wasm_f32x4_pmax(amax, wasm_i32x4_shuffle(amax, amax, 1, 0, 3, 2));
    const float max = wasm_f32x4_extract_lane(amax, 0);
    y[b].d = Fp32ToFp16(max / 127.0f);
    // The generic's scale (127 / amax, as ggml's x86 quantizer), rounded half to even.
    const v128_t id = wasm_f32x4_splat(max != 0 ? 127.0f / max : 0.0f);
    v128_t q16[4];
    for (int k = 0; k < 4; ++k) {
      const v128_t lo =
          wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_mul(v[2 * k], id)));
      const v128_t hi =
          wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_mul(v[2 * k + 1], id)));
      q16[k] = wasm_i16x8_narrow_i32x4(lo, hi);
    }
    wasm_v128_store(y[b].q, wasm_i8x16_narrow_i16x8(q16[0], q16[1]));
    wasm_v128_store(y[b].q + 16, wasm_i8x16_narrow_i16x8(q16[2], q16[3]));
  }
}

// Quantized dots: a block is widened to 16-bit lanes, so that one i32x4.dot_i16x8 takes
// eight products. Q4_0 nibbles stay unsigned (0..15) and eight times the activation block's
// sum is taken off, which is the same integer as the sum of (q - 8) * x. The block totals of
// four (weight row, activation row) pairs are gathered into one vector, lane i for pair i,
// and each lane sums block by block into one float as the generic loop does
// (sum += total * (dw * dx)), so these dots and tiles give the generic table's bits.

// A block's 32 values as 16-bit lanes: elements 0..7, 8..15, 16..23 and 24..31.
struct Wide {
  v128_t q[4];
};
inline Wide Widen(const BlockQ8_0& b) {
  return {{wasm_i16x8_load8x8(b.q), wasm_i16x8_load8x8(b.q + 8), wasm_i16x8_load8x8(b.q + 16),
           wasm_i16x8_load8x8(b.q + 24)}};
}
// qs[j] holds element j in its low nibble and element j + 16 in its high one.
inline Wide Widen(const BlockQ4_0& b) {
  const v128_t lo = wasm_u16x8_load8x8(b.qs), hi = wasm_u16x8_load8x8(b.qs + 8);
  const v128_t mask = wasm_i16x8_splat(0x0f);
  return {{wasm_v128_and(lo, mask), wasm_v128_and(hi, mask), wasm_u16x8_shr(lo, 4),
           wasm_u16x8_shr(hi, 4)}};
}

// Products summed into four int32 lanes (lane k: elements 2k and 2k + 1 of each eight).
inline v128_t Dot(const Wide& w, const Wide& x) {
  return wasm_i32x4_add(
      wasm_i32x4_add(wasm_i32x4_dot_i16x8(w.q[0], x.q[0]), wasm_i32x4_dot_i16x8(w.q[1], x.q[1])),
      wasm_i32x4_add(wasm_i32x4_dot_i16x8(w.q[2], x.q[2]), wasm_i32x4_dot_i16x8(w.q[3], x.q[3])));
}

// What a weight type's offset takes off an activation block's lanes: for Q4_0, 8 * x in the
// lanes Dot uses (|x| <= 128, so the 16-bit sums of four stay exact); nothing for Q8_0.
template <class W>
inline v128_t Offset(const Wide& x) {
  if constexpr (std::is_same_v<W, BlockQ4_0>) {
    const v128_t s = wasm_i16x8_add(wasm_i16x8_add(x.q[0], x.q[1]), wasm_i16x8_add(x.q[2], x.q[3]));
    return wasm_i32x4_dot_i16x8(s, wasm_i16x8_splat(8));
  } else {
    return wasm_i32x4_splat(0);
  }
}

// Block totals of four pairs gathered into one vector (lane i: the sum of p_i's four lanes)
// in two steps, so that only half the vectors stay live: Pair(p0, p1) = [p0_0 + p0_2,
// p1_0 + p1_2, p0_1 + p0_3, p1_1 + p1_3], then Gather(Pair(p0, p1), Pair(p2, p3)).
inline v128_t Pair(v128_t a, v128_t b) {
  return wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
}
inline v128_t Gather(v128_t a, v128_t b) {
  return wasm_i32x4_add(wasm_i64x2_shuffle(a, b, 0, 2), wasm_i64x2_shuffle(a, b, 1, 3));
}

// acc + each lane's block total times its scale.
inline v128_t Accumulate(v128_t acc, v128_t totals, v128_t scale) {
  return wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(totals), scale));
}

// One weight row against kRows activation rows (lane r: activation row r).
template <int kRows, class W>
void DotBlockRows(const W* w, const BlockQ8_0* x, size_t x_stride, size_t blocks, float* out) {
  v128_t acc = wasm_f32x4_splat(0.0f);
  for (size_t b = 0; b < blocks; ++b) {
    const Wide wb = Widen(w[b]);
    v128_t p[4] = {wasm_i32x4_splat(0), wasm_i32x4_splat(0), wasm_i32x4_splat(0),
                   wasm_i32x4_splat(0)};
    float dx[4] = {0, 0, 0, 0};
#pragma clang loop unroll(full)
    for (int r = 0; r < kRows; ++r) {
      const BlockQ8_0& xb = x[r * x_stride + b];
      const Wide xw = Widen(xb);
      p[r] = wasm_i32x4_sub(Dot(wb, xw), Offset<W>(xw));
      dx[r] = HalfToFloat(xb.d);
    }
    acc = Accumulate(acc, Gather(Pair(p[0], p[1]), Pair(p[2], p[3])),
                     wasm_f32x4_mul(wasm_f32x4_splat(HalfToFloat(w[b].d)), wasm_v128_load(dx)));
  }
  float sums[4];
  wasm_v128_store(sums, acc);
  for (int r = 0; r < kRows; ++r) out[r] = sums[r];
}

// Lane j of v in every lane (j is a constant once the callers' loops are unrolled).
inline v128_t SplatLane(v128_t v, int j) {
  switch (j) {
    case 0:
      return wasm_i32x4_shuffle(v, v, 0, 0, 0, 0);
    case 1:
      return wasm_i32x4_shuffle(v, v, 1, 1, 1, 1);
    case 2:
      return wasm_i32x4_shuffle(v, v, 2, 2, 2, 2);
    default:
      return wasm_i32x4_shuffle(v, v, 3, 3, 3, 3);
  }
}

// Block b of four weight rows (w_stride blocks apart) against kCols activation rows, added to
// acc[j] (lane i: weight row i) times scale(j), the four rows' scales times activation row j's.
// One activation row (decode) widens each weight row as it goes, which keeps fewer vectors
// live; more widen the four once for every column.
template <int kCols, class W, class Scale>
inline void AddBlock(const W* w, size_t w_stride, const BlockQ8_0* x, size_t x_stride, size_t b,
                     v128_t* acc, Scale scale) {
  Wide wb[kCols == 1 ? 1 : 4];
  if constexpr (kCols > 1) {
#pragma clang loop unroll(full)
    for (int i = 0; i < 4; ++i) wb[i] = Widen(w[i * w_stride + b]);
  }
#pragma clang loop unroll(full)
  for (int j = 0; j < kCols; ++j) {
    const Wide xw = Widen(x[j * x_stride + b]);
    const v128_t offset = Offset<W>(xw);
    const v128_t offsets = Pair(offset, offset);
    auto dot = [&](int i) { return Dot(kCols == 1 ? Widen(w[i * w_stride + b]) : wb[i], xw); };
    const v128_t rows01 = wasm_i32x4_sub(Pair(dot(0), dot(1)), offsets);
    const v128_t rows23 = wasm_i32x4_sub(Pair(dot(2), dot(3)), offsets);
    acc[j] = Accumulate(acc[j], Gather(rows01, rows23), scale(j));
  }
}

// Four weight rows against kCols activation rows (tile_q8_0, tile_q4_0). A block's scales,
// the four rows' and the activation rows', are gathered into one vector and converted
// together, by PoisonedHalves8 first: a tile whose sums end infinite or NaN (an infinite or
// NaN scale, or an overflow) is summed again with HalfToFloat4. Not inlined: V8 allocates
// registers per function, and a loop in a function of its own keeps its constants in
// registers (about 3% faster than the four widths inlined into one).
template <int kCols, class W, bool kFinite = true>
__attribute__((noinline)) void TileBlockRows(const W* w, size_t w_stride, const BlockQ8_0* x,
                                             size_t x_stride, size_t blocks, float* out) {
  // Accumulators in an array that unrolled loops index with constants, so they stay in locals
  // (clang keeps arrays of v128 in memory otherwise).
  v128_t acc[kCols];
#pragma clang loop unroll(full)
  for (int j = 0; j < kCols; ++j) acc[j] = wasm_f32x4_splat(0.0f);
  for (size_t b = 0; b < blocks; ++b) {
    uint16_t d[8] = {w[b].d, w[w_stride + b].d, w[2 * w_stride + b].d, w[3 * w_stride + b].d};
#pragma clang loop unroll(full)
    for (int j = 0; j < kCols; ++j) d[4 + j] = x[j * x_stride + b].d;
    const v128_t halves = wasm_v128_load(d);
    const F32x8 scales = kFinite ? PoisonedHalves8(halves)
                                 : F32x8{HalfToFloat4(wasm_u32x4_extend_low_u16x8(halves)),
                                         HalfToFloat4(wasm_u32x4_extend_high_u16x8(halves))};
    AddBlock<kCols>(w, w_stride, x, x_stride, b, acc,
                    [&](int j) { return wasm_f32x4_mul(scales.lo, SplatLane(scales.hi, j)); });
  }
  if constexpr (kFinite) {
    bool finite = true;
#pragma clang loop unroll(full)
    for (int j = 0; j < kCols; ++j) finite = finite && AllFinite(acc[j]);
    if (!finite) return TileBlockRows<kCols, W, false>(w, w_stride, x, x_stride, blocks, out);
  }
#pragma clang loop unroll(full)
  for (int j = 0; j < kCols; ++j) wasm_v128_store(out + 4 * j, acc[j]);
}

// TileBlockRows with the scales already floats, over `groups` groups of four rows
// (tile_q4_0_scaled): one load for the four rows' scales and one for each activation row's,
// nothing to convert or to check, and one call for a whole band of rows.
template <int kCols, class W>
__attribute__((noinline)) void TileScaledBlockRows(const W* w, size_t w_stride,
                                                   const float* w_scales, const BlockQ8_0* x,
                                                   const float* x_scales, size_t x_stride,
                                                   size_t blocks, int groups, float* y,
                                                   size_t y_stride) {
  for (int g = 0; g < groups; ++g, w += 4 * w_stride, w_scales += 4 * blocks, y += 4) {
    v128_t acc[kCols];
#pragma clang loop unroll(full)
    for (int j = 0; j < kCols; ++j) acc[j] = wasm_f32x4_splat(0.0f);
    for (size_t b = 0; b < blocks; ++b) {
      const v128_t dw = wasm_v128_load(w_scales + 4 * b);
      AddBlock<kCols>(w, w_stride, x, x_stride, b, acc, [&](int j) {
        return wasm_f32x4_mul(dw, wasm_v128_load32_splat(x_scales + j * x_stride + b));
      });
    }
#pragma clang loop unroll(full)
    for (int j = 0; j < kCols; ++j) wasm_v128_store(y + j * y_stride, acc[j]);
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

void TileQ8_0(const BlockQ8_0* w, size_t w_stride, const BlockQ8_0* x, size_t x_stride, int cols,
              size_t n, float* out) {
  ForRows(cols, [&](auto k) {
    TileBlockRows<decltype(k)::value>(w, w_stride, x, x_stride, n / kBlock, out);
  });
}

void TileQ4_0(const BlockQ4_0* w, size_t w_stride, const BlockQ8_0* x, size_t x_stride, int cols,
              size_t n, float* out) {
  ForRows(cols, [&](auto k) {
    TileBlockRows<decltype(k)::value>(w, w_stride, x, x_stride, n / kBlock, out);
  });
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
    wasm_v128_store(y + i + 4,
                    wasm_f32x4_add(wasm_v128_load(y + i + 4), wasm_f32x4_mul(av, xv.hi)));
  }
  for (; i < n; ++i) y[i] += a * HalfToFloat(x[i]);
}

void TileQ4_0Scaled(const BlockQ4_0* w, size_t w_stride, const float* w_scales, const BlockQ8_0* x,
                    const float* x_scales, size_t x_stride, int cols, size_t n, int groups,
                    float* y, size_t y_stride) {
  ForRows(cols, [&](auto k) {
    TileScaledBlockRows<decltype(k)::value>(w, w_stride, w_scales, x, x_scales, x_stride,
                                            n / kBlock, groups, y, y_stride);
  });
}

constexpr Kernels kSimd128 = {
    "simd128",
    QuantizeQ8_0,
    Fp32ToFp16Row,
    RoundFp16,
    DotQ8_0,
    DotQ4_0,
    TileQ8_0,
    TileQ4_0,
    TileQ4_0x8Generic,
    DotF16,
    DotF32,
    AxpyF16,
    SwigluSimd128,
    SoftmaxExpSimd128,
    AttnDotsSimd128,
    AttnDotsF32Simd128,
    TileQ4_0Scaled,
};

}  // namespace

const Kernels& WasmSimd128Table() { return kSimd128; }

}  // namespace gw::engine::internal
