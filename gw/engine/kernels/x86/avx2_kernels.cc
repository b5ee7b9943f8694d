// AVX2 + FMA + F16C kernels (x86-64 since Haswell / Zen 1). This file alone is compiled with
// -mavx2 -mfma -mf16c; cpu_features_x86.cc decides at run time whether the CPU may run it.
#include <immintrin.h>

#include <cmath>

#include "gw/engine/kernels/kernels.h"
#include "gw/engine/kernels/x86/int8_dots.h"

namespace gw::engine::internal {

// Four adjacent byte products summed per int32 lane with AVX2 (maddubs needs an unsigned side).
struct Avx2Isa {
  static __m256i Quads(__m256i abs_w, __m256i w, __m256i x) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(abs_w, _mm256_sign_epi8(x, w)),
                             _mm256_set1_epi16(1));
  }
  // u in 0..15 and |x| <= 127: a pair is at most 3810, eight pairs' sum 30480, so the 16-bit
  // adds of the eight maddubs results cannot saturate; one madd widens them at the end.
  static __m256i UnsignedQuads(const __m256i* u, const __m256i* x) {
    const __m256i s01 =
        _mm256_add_epi16(_mm256_maddubs_epi16(u[0], x[0]), _mm256_maddubs_epi16(u[1], x[1]));
    const __m256i s23 =
        _mm256_add_epi16(_mm256_maddubs_epi16(u[2], x[2]), _mm256_maddubs_epi16(u[3], x[3]));
    const __m256i s45 =
        _mm256_add_epi16(_mm256_maddubs_epi16(u[4], x[4]), _mm256_maddubs_epi16(u[5], x[5]));
    const __m256i s67 =
        _mm256_add_epi16(_mm256_maddubs_epi16(u[6], x[6]), _mm256_maddubs_epi16(u[7], x[7]));
    const __m256i s = _mm256_add_epi16(_mm256_add_epi16(s01, s23), _mm256_add_epi16(s45, s67));
    return _mm256_madd_epi16(s, _mm256_set1_epi16(1));
  }
};

namespace {
using x86::Half;

void QuantizeQ8_0(const float* x, BlockQ8_0* y, size_t n) {
  const __m256 sign_bit = _mm256_set1_ps(-0.0f);
  for (size_t b = 0; b < n / kBlock; ++b, x += kBlock) {
    __m256 v[4];
    __m256 amax = _mm256_setzero_ps();
    for (int k = 0; k < 4; ++k) {
      v[k] = _mm256_loadu_ps(x + 8 * k);
      amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign_bit, v[k]));
    }
    __m128 m = _mm_max_ps(_mm256_extractf128_ps(amax, 1), _mm256_castps256_ps128(amax));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    float max = _mm_cvtss_f32(m);
    y[b].d = _cvtss_sh(max / 127.0f, _MM_FROUND_TO_NEAREST_INT);
    __m256 id = _mm256_set1_ps(max != 0 ? 127.0f / max : 0.0f);
    __m256i q[4];
    for (int k = 0; k < 4; ++k) {
      q[k] =
          _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v[k], id), _MM_FROUND_TO_NEAREST_INT));
    }
    // Pack 32 int32 to 32 int8 and undo the lane interleaving of the packs.
    __m256i p01 = _mm256_packs_epi32(q[0], q[1]);
    __m256i p23 = _mm256_packs_epi32(q[2], q[3]);
    __m256i p = _mm256_packs_epi16(p01, p23);
    p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[b].q), p);
  }
}

void Fp32ToFp16Row(const float* x, uint16_t* y, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), h);
  }
  for (; i < n; ++i) y[i] = _cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT);
}

inline __m256 LoadF32(const float* p) { return _mm256_loadu_ps(p); }
inline __m256 LoadF16(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline float ScalarF32(const float* p) { return *p; }
inline float ScalarF16(const uint16_t* p) { return Half(*p); }

// Float dots of one weight row with kRows activation rows; the tail is scalar.
template <int kRows, class T, __m256 (*Load)(const T*), float (*Scalar)(const T*)>
void DotFloatRows(const T* w, const T* x, size_t x_stride, size_t n, float* out) {
  __m256 acc[kRows];
  for (int r = 0; r < kRows; ++r) acc[r] = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 wv = Load(w + i);
    for (int r = 0; r < kRows; ++r)
      acc[r] = _mm256_fmadd_ps(wv, Load(x + r * x_stride + i), acc[r]);
  }
  for (int r = 0; r < kRows; ++r) {
    float s = x86::Tree8(acc[r]);
    for (size_t j = i; j < n; ++j) s += Scalar(w + j) * Scalar(x + r * x_stride + j);
    out[r] = s;
  }
}

void DotF16(const uint16_t* w, const uint16_t* x, size_t x_stride, int rows, size_t n, float* out) {
  x86::Unrolled(rows, [&](auto k) {
    DotFloatRows<decltype(k)::value, uint16_t, LoadF16, ScalarF16>(w, x, x_stride, n, out);
  });
}

void DotF32(const float* w, const float* x, size_t x_stride, int rows, size_t n, float* out) {
  x86::Unrolled(rows, [&](auto k) {
    DotFloatRows<decltype(k)::value, float, LoadF32, ScalarF32>(w, x, x_stride, n, out);
  });
}

void AxpyF16(float a, const uint16_t* x, float* y, size_t n) {
  __m256 av = _mm256_set1_ps(a);
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, LoadF16(x + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] += a * Half(x[i]);
}

constexpr Kernels kAvx2 = {
    "avx2",
    QuantizeQ8_0,
    Fp32ToFp16Row,
    RoundFp16Avx2,
    x86::Int8<Avx2Isa>::DotQ8_0,
    x86::Int8<Avx2Isa>::DotQ4_0,
    x86::Int8<Avx2Isa>::TileQ8_0,
    x86::Int8<Avx2Isa>::TileQ4_0,
    x86::Int8<Avx2Isa>::TileQ4_0x8,
    DotF16,
    DotF32,
    AxpyF16,
    SwigluAvx2,
    SoftmaxExpAvx2,
    AttnDotsAvx2,
    nullptr,
    nullptr,
};

}  // namespace

const Kernels& X86Avx2Table() { return kAvx2; }

}  // namespace gw::engine::internal
