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

// `n` must be a multiple of kBlock for the quantized types.
void QuantizeRowQ8_0(const float* x, BlockQ8_0* y, size_t n);
void QuantizeRowQ4_0(const float* x, BlockQ4_0* y, size_t n);
// Expands `n` values of `type` stored at `src` into floats.
void DequantizeRow(TensorType type, const void* src, float* dst, size_t n);

}  // namespace gw::engine
