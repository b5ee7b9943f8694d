// The ggml-compatible loops (ggml_compat.h) with AVX2 + FMA + F16C: the exponentials of
// SiLU and softmax in both of ggml's flavors, and the attention dots in ggml's lane orders.
// Each is the vector form of the scalar definition in ggml_compat.cc and gives the same bits
// (kernels_test.cc). Compiled with -mavx2 -mfma -mf16c; chosen at run time like the rest of
// the AVX2 table.
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "gw/engine/kernels/kernels.h"

namespace gw::engine::internal {
namespace {

using namespace exp_compat;

// The reduced argument and polynomial shared by both flavors.
struct ExpParts {
  __m256 n, b, u;
  __m256i z_bits;
};

inline ExpParts Reduce(__m256 x) {
  const __m256 shift = _mm256_set1_ps(kShift);
  const __m256 z = _mm256_fmadd_ps(x, _mm256_set1_ps(kLog2e), shift);
  const __m256 n = _mm256_sub_ps(z, shift);
  const __m256 b =
      _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Lo), _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Hi), x));
  return {n, b, _mm256_mul_ps(b, b), _mm256_castps_si256(z)};
}

inline __m256 PolyHigh(const ExpParts& p) {
  return _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(kC4), p.b, _mm256_set1_ps(kC3)), p.u,
                         _mm256_fmadd_ps(_mm256_set1_ps(kC2), p.b, _mm256_set1_ps(kC1)));
}

inline bool AnyAbove(__m256 n, float limit) {
  const __m256 abs = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), n);
  return _mm256_movemask_ps(_mm256_cmp_ps(abs, _mm256_set1_ps(limit), _CMP_GT_OQ)) != 0;
}

// Lanes whose power of two is out of one float's range take the scalar path.
inline __m256 ScalarLanes(ExpFlavor f, __m256 x) {
  alignas(32) float v[8];
  _mm256_store_ps(v, x);
  for (float& e : v) e = Exp(f, e);
  return _mm256_load_ps(v);
}

inline __m256 Exp8(ExpFlavor f, __m256 x) {
  const ExpParts p = Reduce(x);
  if (AnyAbove(p.n, 126)) return ScalarLanes(f, x);
  if (f == ExpFlavor::kWide) {  // (1 + p(b)) in the last FMA, then exactly scaled by 2^n
    const __m256 j = _mm256_fmadd_ps(
        PolyHigh(p), p.u, _mm256_fmadd_ps(_mm256_set1_ps(kC0), p.b, _mm256_set1_ps(1.0f)));
    const __m256i pow2 =
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(p.n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(j, _mm256_castsi256_ps(pow2));
  }
  const __m256 j = _mm256_fmadd_ps(PolyHigh(p), p.u, _mm256_mul_ps(_mm256_set1_ps(kC0), p.b));
  const __m256 k = _mm256_castsi256_ps(
      _mm256_add_epi32(_mm256_slli_epi32(p.z_bits, 23), _mm256_castps_si256(_mm256_set1_ps(1.0f))));
  return _mm256_fmadd_ps(j, k, k);
}

inline float Tree8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_extractf128_ps(v, 1), _mm256_castps256_ps128(v));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline float Tree16(__m256 lo, __m256 hi) { return Tree8(_mm256_add_ps(hi, lo)); }
inline float Pair8(__m256 v) {  // ggml's AVX2 vec_dot reduce
  __m128 t = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  t = _mm_hadd_ps(t, t);
  return _mm_cvtss_f32(_mm_hadd_ps(t, t));
}

inline __m256 H8(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

}  // namespace

void SwigluAvx2(ExpFlavor f, const float* gate, const float* up, float* out, size_t n) {
  const size_t lanes = static_cast<size_t>(f);
  const size_t whole = n / lanes * lanes;
  const __m256 one = _mm256_set1_ps(1.0f);
  for (size_t i = 0; i < whole; i += 8) {
    const __m256 g = _mm256_loadu_ps(gate + i);
    const __m256 e = Exp8(f, _mm256_sub_ps(_mm256_setzero_ps(), g));
    _mm256_storeu_ps(
        out + i, _mm256_mul_ps(_mm256_div_ps(g, _mm256_add_ps(one, e)), _mm256_loadu_ps(up + i)));
  }
  for (size_t i = whole; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

double SoftmaxExpAvx2(ExpFlavor f, float* x, size_t n, float max) {
  const size_t lanes = static_cast<size_t>(f);
  const __m256 m = _mm256_set1_ps(max);
  double sum = 0;
  alignas(32) float tail[16];
  for (size_t i = 0; i < n; i += lanes) {
    float* p = x + i;
    const size_t have = std::min(lanes, n - i);
    if (have < lanes) {  // the masked positions that pad llama.cpp's row: exp(-inf) = 0
      for (size_t l = 0; l < lanes; ++l) tail[l] = l < have ? p[l] : -INFINITY;
      p = tail;
    }
    const __m256 lo = Exp8(f, _mm256_sub_ps(_mm256_loadu_ps(p), m));
    _mm256_storeu_ps(p, lo);
    if (f == ExpFlavor::kWide) {
      const __m256 hi = Exp8(f, _mm256_sub_ps(_mm256_loadu_ps(p + 8), m));
      _mm256_storeu_ps(p + 8, hi);
      sum += static_cast<double>(Tree16(lo, hi));
    } else {
      sum += static_cast<double>(Tree8(lo));
    }
    if (have < lanes) {
      for (size_t l = 0; l < have; ++l) x[i + l] = tail[l];
    }
  }
  return sum;
}

namespace {

// One row of attn_dots_f16: the AVX2 form of DotF16Compat with y already floats. The lane
// width and order are template arguments so that the accumulators stay in registers.
template <size_t w, DotOrder order>
float AttnDotRow(const uint16_t* x, size_t seg, const float* y, size_t n, bool padded,
                 const __m256* tail_mask) {
  constexpr size_t step = order == DotOrder::kTiled ? w : 4 * w;
  constexpr size_t vectors = step / 8;  // accumulators in use: 2 (tiled, wide), 1, 8 or 4
  const size_t whole = n / step * step;
  __m256 acc[vectors];
  for (__m256& a : acc) a = _mm256_setzero_ps();
  auto run = [&](const uint16_t* xs, const float* ys) {
    for (size_t v = 0; v < vectors; ++v)
      acc[v] = _mm256_fmadd_ps(H8(xs + 8 * v), _mm256_loadu_ps(ys + 8 * v), acc[v]);
  };
  for (size_t i = 0; i < whole; i += step)
    run(SegmentAt(x, seg, i), y + i);  // steps divide segments
  // A padded row's last partial step is completed with zeros, like llama.cpp's cache: y is
  // zero there already, and x's lanes past n (readable, whatever they hold) are masked off.
  if (whole < n && (padded || order == DotOrder::kTiled)) {
    const uint16_t* xs = SegmentAt(x, seg, whole);
    for (size_t v = 0; v < vectors; ++v) {
      const __m256 xv = _mm256_and_ps(H8(xs + 8 * v), tail_mask[v]);
      acc[v] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y + whole + 8 * v), acc[v]);
    }
  }
  if constexpr (order == DotOrder::kTiled) {
    if constexpr (w == 16) return Tree16(acc[0], acc[1]);
    return Tree8(acc[0]);
  }
  // Vector-dot order: accumulators a0..a3 of w lanes; (a0 + a2), (a1 + a3), then their sum.
  constexpr size_t per = w / 8;  // __m256 per accumulator
  for (size_t h = 0; h < per; ++h) {
    acc[h] = _mm256_add_ps(acc[h], acc[(2 * per + h) % vectors]);
    acc[per + h] = _mm256_add_ps(acc[(per + h) % vectors], acc[(3 * per + h) % vectors]);
    acc[h] = _mm256_add_ps(acc[h], acc[(per + h) % vectors]);
  }
  double sum;
  if constexpr (w == 16) {
    sum = Tree16(acc[0], acc[1]);
  } else {
    sum = Pair8(acc[0]);
  }
  if (!padded) {
    for (size_t j = whole; j < n; ++j)
      sum += static_cast<double>(_cvtsh_ss(*SegmentAt(x, seg, j)) * y[j]);
  }
  return static_cast<float>(sum);
}

}  // namespace

void AttnDotsAvx2(ExpFlavor f, DotOrder order, const uint16_t* rows, size_t row_stride,
                  size_t segment_stride, size_t count, const float* y, size_t n, bool padded,
                  float* out) {
  // Lanes of the last partial step that lie before n (the same for every row).
  const size_t step =
      order == DotOrder::kTiled ? static_cast<size_t>(f) : 4 * static_cast<size_t>(f);
  const size_t tail = n % step;
  __m256 tail_mask[8];
  for (size_t v = 0; v < 8; ++v) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i left = _mm256_set1_epi32(static_cast<int>(tail) - static_cast<int>(8 * v));
    tail_mask[v] = _mm256_castsi256_ps(_mm256_cmpgt_epi32(left, lane));
  }
  WithLanesAndOrder(f, order, [&](auto w, auto o) {
    for (size_t i = 0; i < count; ++i) {
      out[i] = AttnDotRow<w(), o()>(rows + i * row_stride, segment_stride, y, n, padded, tail_mask);
    }
  });
}

void RoundFp16Avx2(const float* x, float* y, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(
        y + i, _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT)));
  }
  for (; i < n; ++i) y[i] = _cvtsh_ss(_cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT));
}

}  // namespace gw::engine::internal
