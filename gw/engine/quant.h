// Number formats of GGML tensors: IEEE half floats, and the Q8_0 and Q4_0 block formats
// with ggml's exact layouts (blocks of 32 values, one fp16 scale each):
//   Q8_0: { fp16 d; int8 q[32]; }          value = q * d
//   Q4_0: { fp16 d; uint8 qs[16]; }        value = ((nibble) - 8) * d; qs[j] holds element
//                                          j in its low nibble and element j + 16 in its high
// The quantizers follow ggml's reference ones, so files we write match what llama.cpp
// would make of the same floats. Generic C++; SIMD kernels are checked against these.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gw/engine/gguf.h"

namespace gw::engine {

float Fp16ToFp32(uint16_t h);
uint16_t Fp32ToFp16(float f);  // round to nearest, ties to even

inline constexpr size_t kBlock = 32;
struct BlockQ8_0 {
  uint16_t d;
  int8_t q[kBlock];
};
struct BlockQ4_0 {
  uint16_t d;
  uint8_t qs[kBlock / 2];
};
static_assert(sizeof(BlockQ8_0) == 34 && sizeof(BlockQ4_0) == 18, "ggml block layouts");

// Eight Q4_0 rows' blocks b interleaved (the layout llama.cpp repacks Q4_0 matrices into on
// x86): d[k] is row k's scale, and qs[32 * c + 4 * k + m] = row k's qs[4 * c + m] for
// c < 4, m < 4. A 32-byte load then gives a dot instruction one row per 32-bit lane: four
// values of each of the eight rows (low nibbles) and four more (high nibbles).
struct BlockQ4_0x8 {
  uint16_t d[8];
  uint8_t qs[8 * kBlock / 2];
};
static_assert(sizeof(BlockQ4_0x8) == 8 * sizeof(BlockQ4_0), "same bytes as eight blocks");

// `n` must be a multiple of kBlock for the quantized types.
void QuantizeRowQ8_0(const float* x, BlockQ8_0* y, size_t n);
void QuantizeRowQ4_0(const float* x, BlockQ4_0* y, size_t n);
// Rows r..r+7 of a Q4_0 matrix (`blocks` per row, `row_stride` blocks apart) into `blocks`
// interleaved groups.
void RepackQ4_0x8(const BlockQ4_0* rows, size_t row_stride, size_t blocks, BlockQ4_0x8* out);
// The sum of each Q8_0 block's 32 values (what the repacked Q4_0 kernels subtract 8 times).
void BlockSumsQ8_0(const BlockQ8_0* x, int16_t* sums, size_t blocks);
// Expands `n` values of `type` stored at `src` into floats.
void DequantizeRow(TensorType type, const void* src, float* dst, size_t n);

}  // namespace gw::engine
