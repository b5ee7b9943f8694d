// The simd128 tables' shared vector helpers: half-float conversions done with integer lane
// arithmetic (wasm has no half instructions), bit for bit as Fp16ToFp32 and Fp32ToFp16 do,
// and the lane sums in ggml_compat.cc's orders. Include only from files compiled with -msimd128.
// Thread-safety: pure functions.
#pragma once

#include <wasm_simd128.h>

#include <cstdint>
#include <cstring>

#include "gw/engine/quant.h"

namespace gw::engine::internal::simd128 {

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
  const v128_t sign =
      wasm_u32x4_shr(wasm_v128_and(f, wasm_i32x4_splat(static_cast<int32_t>(0x80000000u))), 16);
  const v128_t odd = wasm_v128_and(wasm_u32x4_shr(abs, 13), wasm_i32x4_splat(1));
  const v128_t rebased = wasm_i32x4_add(abs, wasm_i32x4_splat(0xfff - (112 << 23)));
  const v128_t normal = wasm_u32x4_shr(wasm_i32x4_add(rebased, odd), 13);
  const v128_t half = wasm_f32x4_splat(0.5f);
  const v128_t subnormal = wasm_i32x4_sub(wasm_f32x4_add(abs, half), half);
  v128_t h =
      wasm_v128_bitselect(normal, subnormal, wasm_u32x4_ge(abs, wasm_i32x4_splat(0x38800000)));
  h = wasm_v128_bitselect(wasm_i32x4_splat(0x7c00), h,
                          wasm_u32x4_ge(abs, wasm_i32x4_splat(0x477ff000)));
  h = wasm_v128_bitselect(wasm_i32x4_splat(0x7e00), h,
                          wasm_u32x4_gt(abs, wasm_i32x4_splat(0x7f800000)));
  return wasm_v128_or(h, sign);
}

// One half as Fp16ToFp32 gives it, inline and without branches (the same rebasing).
inline float HalfToFloat(uint16_t h) {
  const uint32_t body = static_cast<uint32_t>(h & 0x7fff) << 13;
  float f;
  std::memcpy(&f, &body, sizeof f);
  f *= 0x1p112f;
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  bits = body >= (0x1fu << 23) ? (body | 0x7f800000u) : bits;
  bits |= static_cast<uint32_t>(h & 0x8000) << 16;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

struct F32x8 {
  v128_t lo, hi;
};
// Eight halves as floats in four operations a vector, for the hot loops: the sign-extended
// half shifted so that its exponent and mantissa land in the float's (bits 27..13) and the
// sign in bit 31, then one multiply by 2^112 rebases the exponent (subnormal halves too, as in
// HalfToFloat4). Only infinities and NaNs come out wrong (as 2^16..2^17), so `top` keeps the
// largest magnitude seen, doubled, and AnyNonFinite(top) tells the caller to redo its work
// with HalfToFloat4.
inline F32x8 FiniteHalves8(v128_t h, v128_t& top) {
  top = wasm_u16x8_max(top, wasm_i16x8_shl(h, 1));
  const v128_t body = wasm_i32x4_splat(static_cast<int32_t>(0x8fffe000u));
  const v128_t scale = wasm_f32x4_splat(0x1p112f);
  return {wasm_f32x4_mul(wasm_v128_and(wasm_i32x4_shl(wasm_i32x4_extend_low_i16x8(h), 13), body),
                         scale),
          wasm_f32x4_mul(wasm_v128_and(wasm_i32x4_shl(wasm_i32x4_extend_high_i16x8(h), 13), body),
                         scale)};
}
// Eight halves as floats for sums checked once at their end (AllFinite): finite halves come
// out exact, as from FiniteHalves8, and infinities and NaNs come out infinite, because the
// multiply by 2^112 is done as 2^112 * 2^112 * 2^-112, whose middle step overflows exactly for
// exponent 31. Whatever such a value touches ends infinite or NaN, and the caller sums again
// with HalfToFloat4; no value has to be carried through the loop for the check.
inline F32x8 PoisonedHalves8(v128_t h) {
  const v128_t body = wasm_i32x4_splat(static_cast<int32_t>(0x8fffe000u));
  const v128_t up = wasm_f32x4_splat(0x1p112f), down = wasm_f32x4_splat(0x1p-112f);
  auto convert = [&](v128_t v) {
    const v128_t f = wasm_v128_and(wasm_i32x4_shl(v, 13), body);
    return wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_mul(f, up), up), down);
  };
  return {convert(wasm_i32x4_extend_low_i16x8(h)), convert(wasm_i32x4_extend_high_i16x8(h))};
}
inline bool AllFinite(v128_t v) {
  return wasm_i32x4_all_true(wasm_f32x4_lt(wasm_f32x4_abs(v), wasm_f32x4_splat(__builtin_inff())));
}
inline bool AnyNonFinite(v128_t top) {
  return !wasm_i16x8_all_true(wasm_u16x8_lt(top, wasm_i16x8_splat(-0x800)));
}

inline F32x8 Load8(const uint16_t* p) {
  const v128_t h = wasm_v128_load(p);
  return {HalfToFloat4(wasm_u32x4_extend_low_u16x8(h)),
          HalfToFloat4(wasm_u32x4_extend_high_u16x8(h))};
}
inline F32x8 Load8(const float* p) { return {wasm_v128_load(p), wasm_v128_load(p + 4)}; }
inline float Scalar(uint16_t h) { return HalfToFloat(h); }
inline float Scalar(float f) { return f; }

inline float Sum4(v128_t v) {
  return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) +
         (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

// ggml_compat.cc's TreeSum of 8 lanes held as {0..3} and {4..7}, and of 16 in four vectors.
inline float Tree8(v128_t lo, v128_t hi) {
  const v128_t s = wasm_f32x4_add(hi, lo);
  const float t0 = wasm_f32x4_extract_lane(s, 2) + wasm_f32x4_extract_lane(s, 0);
  const float t1 = wasm_f32x4_extract_lane(s, 3) + wasm_f32x4_extract_lane(s, 1);
  return t1 + t0;
}
inline float Tree16(const v128_t* v) {
  return Tree8(wasm_f32x4_add(v[2], v[0]), wasm_f32x4_add(v[3], v[1]));
}
// ggml_compat.cc's PairSum8: the halves added, then neighbours pairwise.
inline float Pair8(v128_t lo, v128_t hi) { return Sum4(wasm_f32x4_add(lo, hi)); }

}  // namespace gw::engine::internal::simd128
