// The AVX-512 VNNI table ("avx512vnni"): the AVX2 table with its int8 dots and tiles summing
// byte products with one dpbusd per 32 pairs (256-bit, AVX512VL) instead of maddubs + madd.
// Same integer lanes, same float order, same bits as the AVX2 table; fewer instructions, so
// faster prompts and decoding on CPUs llama.cpp also runs its VNNI paths on (Ice Lake, Zen 4).
// Compiled with -mavx2 -mfma -mf16c -mavx512f -mavx512vl -mavx512vnni; chosen at run time.
#include "gw/engine/kernels/x86/int8_dots.h"

namespace gw::engine::internal {
namespace {

struct VnniIsa {
  static __m256i Quads(__m256i abs_w, __m256i w, __m256i x) {
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), abs_w, _mm256_sign_epi8(x, w));
  }
  // Two chains of four, so consecutive dpbusd latencies overlap.
  static __m256i UnsignedQuads(const __m256i* u, const __m256i* x) {
    __m256i even = _mm256_dpbusd_epi32(_mm256_setzero_si256(), u[0], x[0]);
    __m256i odd = _mm256_dpbusd_epi32(_mm256_setzero_si256(), u[1], x[1]);
    for (int q = 2; q < 8; q += 2) {
      even = _mm256_dpbusd_epi32(even, u[q], x[q]);
      odd = _mm256_dpbusd_epi32(odd, u[q + 1], x[q + 1]);
    }
    return _mm256_add_epi32(even, odd);
  }
};

Kernels MakeVnniTable() {
  Kernels k = X86Avx2Table();
  k.name = "avx512vnni";
  k.dot_q8_0 = x86::Int8<VnniIsa>::DotQ8_0;
  k.dot_q4_0 = x86::Int8<VnniIsa>::DotQ4_0;
  k.tile_q8_0 = x86::Int8<VnniIsa>::TileQ8_0;
  k.tile_q4_0 = x86::Int8<VnniIsa>::TileQ4_0;
  k.tile_q4_0x8 = x86::Int8<VnniIsa>::TileQ4_0x8;
  return k;
}

}  // namespace

const Kernels& X86VnniTable() {
  static const Kernels table = MakeVnniTable();
  return table;
}

}  // namespace gw::engine::internal
