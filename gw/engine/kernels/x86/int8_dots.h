// The int8 dot products and tiles of the x86 tables, written once over the instruction that
// sums four adjacent byte products into an int32 lane: `Isa::Quads(|w|, w, x)`, and
// `Isa::UnsignedQuads(u[8], x[8])` = the lane sums of eight such unsigned-by-signed products.
// AVX2 does it with maddubs + madd (avx2_kernels.cc); AVX-512 VNNI with dpbusd
// (vnni_int8.cc). The integer results are identical, so both tables give the same bits.
// Include only from files compiled with -mavx2 -mfma -mf16c (and the VNNI flags for VNNI).
#pragma once

#include <immintrin.h>

#include <cmath>
#include <cstring>
#include <type_traits>

#include "gw/engine/kernels/kernels.h"

namespace gw::engine::internal::x86 {

inline float Half(uint16_t h) { return _cvtsh_ss(h); }

inline __m256i Q4Bytes(const uint8_t* qs) {
  __m128i tmp = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  __m256i both = _mm256_set_m128i(_mm_srli_epi16(tmp, 4), tmp);
  return _mm256_sub_epi8(_mm256_and_si256(both, _mm256_set1_epi8(0x0f)), _mm256_set1_epi8(8));
}

template <class Isa>
inline __m256 MulSumI8(__m256i w, __m256i x) {
  return _mm256_cvtepi32_ps(Isa::Quads(_mm256_sign_epi8(w, w), w, x));
}

inline __m256i LoadQ(const int8_t* q) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
}

// Four halves (the scales of four blocks) as floats, packed with scalar shifts (cheap ports).
inline __m128 Scales4(uint16_t a, uint16_t b, uint16_t c, uint16_t d) {
  const uint64_t packed = uint64_t{a} | uint64_t{b} << 16 | uint64_t{c} << 32 | uint64_t{d} << 48;
  return _mm_cvtph_ps(_mm_cvtsi64_si128(static_cast<long long>(packed)));
}

inline float Tree8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_extractf128_ps(v, 1), _mm256_castps256_ps128(v));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Lane i of a 128-bit vector duplicated into both halves, to every element (in-lane shuffle).
template <int kLane>
inline __m256 Spread(__m256 both_halves) {
  return _mm256_shuffle_ps(both_halves, both_halves, kLane * 0x55);
}

// Q8_0 or Q4_0 weights (lane accumulation, as ggml's vec_dot): acc[j][i] over blocks.
template <class Isa, class W, int kCols>
void TileLanes(const W* w, size_t w_stride, const BlockQ8_0* x, size_t x_stride, size_t blocks,
               float* out) {
  __m256 acc[kCols][4];
  for (auto& row : acc)
    for (__m256& a : row) a = _mm256_setzero_ps();
  for (size_t b = 0; b < blocks; ++b) {
    __m256i wq[4], aw[4];
    for (int i = 0; i < 4; ++i) {
      const W& blk = w[i * w_stride + b];
      if constexpr (sizeof(W) == sizeof(BlockQ8_0)) {
        wq[i] = LoadQ(blk.q);
      } else {
        wq[i] = Q4Bytes(blk.qs);
      }
      aw[i] = _mm256_sign_epi8(wq[i], wq[i]);
    }
    const __m128 dw =
        Scales4(w[b].d, w[w_stride + b].d, w[2 * w_stride + b].d, w[3 * w_stride + b].d);
    for (int j = 0; j < kCols; ++j) {
      const BlockQ8_0& xb = x[j * x_stride + b];
      const __m256i xq = LoadQ(xb.q);
      const __m128 d4 = _mm_mul_ps(dw, _mm_set1_ps(_cvtsh_ss(xb.d)));
      const __m256 d = _mm256_set_m128(d4, d4);
      acc[j][0] = _mm256_fmadd_ps(Spread<0>(d), _mm256_cvtepi32_ps(Isa::Quads(aw[0], wq[0], xq)),
                                  acc[j][0]);
      acc[j][1] = _mm256_fmadd_ps(Spread<1>(d), _mm256_cvtepi32_ps(Isa::Quads(aw[1], wq[1], xq)),
                                  acc[j][1]);
      acc[j][2] = _mm256_fmadd_ps(Spread<2>(d), _mm256_cvtepi32_ps(Isa::Quads(aw[2], wq[2], xq)),
                                  acc[j][2]);
      acc[j][3] = _mm256_fmadd_ps(Spread<3>(d), _mm256_cvtepi32_ps(Isa::Quads(aw[3], wq[3], xq)),
                                  acc[j][3]);
    }
  }
  for (int j = 0; j < kCols; ++j) {
    for (int i = 0; i < 4; ++i) out[j * 4 + i] = Tree8(acc[j][i]);
  }
}

// Eight repacked Q4_0 rows (BlockQ4_0x8) against kCols activation rows, block by block:
// each 32-bit lane is one weight row, so a block's eight row totals come out in one vector,
// as unsigned nibbles times broadcast activation quads (Isa::UnsignedQuads) minus 8 times the
// block's activation sum; then one fma per block serves eight outputs (llama.cpp's order).
template <class Isa, int kCols>
void TileQ4_0x8Rows(const BlockQ4_0x8* w, const BlockQ8_0* x, const int16_t* x_sums,
                    size_t x_stride, size_t blocks, float* out) {
  __m256 acc[kCols];
  for (__m256& a : acc) a = _mm256_setzero_ps();
  const __m256i low = _mm256_set1_epi8(0x0f);
  for (size_t b = 0; b < blocks; ++b) {
    const BlockQ4_0x8& g = w[b];
    __m256i u[8];
    for (int c = 0; c < 4; ++c) {
      const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(g.qs + 32 * c));
      u[c] = _mm256_and_si256(raw, low);
      u[c + 4] = _mm256_and_si256(_mm256_srli_epi16(raw, 4), low);
    }
    const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(g.d)));
    for (int j = 0; j < kCols; ++j) {
      const BlockQ8_0& xb = x[j * x_stride + b];
      __m256i xq[8];
      for (int q = 0; q < 8; ++q) {
        int32_t quad;
        std::memcpy(&quad, xb.q + 4 * q, sizeof quad);
        xq[q] = _mm256_set1_epi32(quad);
      }
      const __m256i totals = _mm256_sub_epi32(Isa::UnsignedQuads(u, xq),
                                              _mm256_set1_epi32(8 * x_sums[j * x_stride + b]));
      acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(totals),
                               _mm256_mul_ps(dw, _mm256_set1_ps(Half(xb.d))), acc[j]);
    }
  }
  for (int j = 0; j < kCols; ++j) _mm256_storeu_ps(out + 8 * j, acc[j]);
}

template <class Isa, int kRows>
void DotQ8_0Rows(const BlockQ8_0* w, const BlockQ8_0* x, size_t x_stride, size_t blocks,
                 float* out) {
  __m256 acc[kRows];
  for (int r = 0; r < kRows; ++r) acc[r] = _mm256_setzero_ps();
  for (size_t b = 0; b < blocks; ++b) {
    __m256i wq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[b].q));
    float wd = Half(w[b].d);
    for (int r = 0; r < kRows; ++r) {
      const BlockQ8_0& xb = x[r * x_stride + b];
      __m256i xq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.q));
      acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(wd * Half(xb.d)), MulSumI8<Isa>(wq, xq), acc[r]);
    }
  }
  for (int r = 0; r < kRows; ++r) out[r] = Tree8(acc[r]);
}

template <class Isa, int kRows>
void DotQ4_0Rows(const BlockQ4_0* w, const BlockQ8_0* x, size_t x_stride, size_t blocks,
                 float* out) {
  __m256 acc[kRows];
  for (int r = 0; r < kRows; ++r) acc[r] = _mm256_setzero_ps();
  for (size_t b = 0; b < blocks; ++b) {
    __m256i wq = Q4Bytes(w[b].qs);
    float wd = Half(w[b].d);
    for (int r = 0; r < kRows; ++r) {
      const BlockQ8_0& xb = x[r * x_stride + b];
      __m256i xq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.q));
      acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(wd * Half(xb.d)), MulSumI8<Isa>(wq, xq), acc[r]);
    }
  }
  for (int r = 0; r < kRows; ++r) out[r] = Tree8(acc[r]);
}

// Calls f(std::integral_constant<int, K>{}) with K = count, for count 1..4 (4 beyond).
template <class F>
inline void Unrolled(int count, F&& f) {
  switch (count) {
    case 1:
      return f(std::integral_constant<int, 1>{});
    case 2:
      return f(std::integral_constant<int, 2>{});
    case 3:
      return f(std::integral_constant<int, 3>{});
    default:
      return f(std::integral_constant<int, 4>{});
  }
}

// The table entries: row and column counts known at run time, unrolled templates inside.
template <class Isa>
struct Int8 {
  static void DotQ8_0(const BlockQ8_0* w, const BlockQ8_0* x, size_t xs, int rows, size_t n,
                      float* out) {
    Unrolled(rows,
             [&](auto k) { DotQ8_0Rows<Isa, decltype(k)::value>(w, x, xs, n / kBlock, out); });
  }
  static void DotQ4_0(const BlockQ4_0* w, const BlockQ8_0* x, size_t xs, int rows, size_t n,
                      float* out) {
    Unrolled(rows,
             [&](auto k) { DotQ4_0Rows<Isa, decltype(k)::value>(w, x, xs, n / kBlock, out); });
  }
  // For one activation row the rows' own dots stream faster than a tile (same bits).
  static void TileQ8_0(const BlockQ8_0* w, size_t ws, const BlockQ8_0* x, size_t xs, int cols,
                       size_t n, float* out) {
    if (cols == 1) {
      for (int i = 0; i < 4; ++i) DotQ8_0Rows<Isa, 1>(w + i * ws, x, xs, n / kBlock, out + i);
      return;
    }
    Unrolled(cols, [&](auto k) {
      TileLanes<Isa, BlockQ8_0, decltype(k)::value>(w, ws, x, xs, n / kBlock, out);
    });
  }
  static void TileQ4_0(const BlockQ4_0* w, size_t ws, const BlockQ8_0* x, size_t xs, int cols,
                       size_t n, float* out) {
    if (cols == 1) {
      for (int i = 0; i < 4; ++i) DotQ4_0Rows<Isa, 1>(w + i * ws, x, xs, n / kBlock, out + i);
      return;
    }
    Unrolled(cols, [&](auto k) {
      TileLanes<Isa, BlockQ4_0, decltype(k)::value>(w, ws, x, xs, n / kBlock, out);
    });
  }
  static void TileQ4_0x8(const BlockQ4_0x8* w, const BlockQ8_0* x, const int16_t* sums, size_t xs,
                         int cols, size_t n, float* out) {
    Unrolled(cols, [&](auto k) {
      TileQ4_0x8Rows<Isa, decltype(k)::value>(w, x, sums, xs, n / kBlock, out);
    });
  }
};

}  // namespace gw::engine::internal::x86
