#include "gw/engine/quant.h"

#include <cmath>
#include <cstring>

namespace gw::engine {

float Fp16ToFp32(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;  // +-0
    } else {        // subnormal: normalize
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while (!(mant & 0x400));
      bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | mant << 13;  // inf, nan
  } else {
    bits = sign | (exp + 127 - 15) << 23 | mant << 13;
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

uint16_t Fp32ToFp16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, sizeof x);
  uint32_t sign = (x >> 16) & 0x8000;
  uint32_t abs = x & 0x7fffffff;
  if (abs > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00);   // nan
  if (abs >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00);  // rounds to inf
  if (abs < 0x38800000u) {  // below the smallest normal half: subnormal or zero
    if (abs < 0x33000000u) return static_cast<uint16_t>(sign);  // rounds to 0
    uint32_t mant = (abs & 0x7fffff) | 0x800000;
    int shift = 126 - static_cast<int>(abs >> 23);  // 14..24
    uint32_t half = mant >> shift;
    uint32_t rest = mant & ((1u << shift) - 1);
    uint32_t mid = 1u << (shift - 1);
    if (rest > mid || (rest == mid && (half & 1))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = ((abs >> 13) - ((127 - 15) << 10));
  uint32_t rest = abs & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1))) ++half;  // may carry into the exponent
  return static_cast<uint16_t>(sign | half);
}

void QuantizeRowQ8_0(const float* x, BlockQ8_0* y, size_t n) {
  for (size_t b = 0; b < n / kBlock; ++b, x += kBlock) {
    float amax = 0;
    for (size_t j = 0; j < kBlock; ++j) amax = std::fmax(amax, std::fabs(x[j]));
    float d = amax / 127.0f;
    float id = d != 0 ? 1.0f / d : 0.0f;
    y[b].d = Fp32ToFp16(d);
    for (size_t j = 0; j < kBlock; ++j) y[b].q[j] = static_cast<int8_t>(std::roundf(x[j] * id));
  }
}

void QuantizeRowQ4_0(const float* x, BlockQ4_0* y, size_t n) {
  for (size_t b = 0; b < n / kBlock; ++b, x += kBlock) {
    float amax = 0, max = 0;  // the value with the largest magnitude, sign kept
    for (size_t j = 0; j < kBlock; ++j) {
      if (std::fabs(x[j]) > amax) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    float d = max / -8.0f;
    float id = d != 0 ? 1.0f / d : 0.0f;
    y[b].d = Fp32ToFp16(d);
    for (size_t j = 0; j < kBlock / 2; ++j) {
      auto q = [&](float v) {
        // NOLINTNEXTLINE(bugprone-signed-char-misuse): truncated through int8, as ggml does
        int i = static_cast<int8_t>(v * id + 8.5f);
        return static_cast<uint8_t>(i < 15 ? i : 15);
      };
      y[b].qs[j] = static_cast<uint8_t>(q(x[j]) | q(x[j + kBlock / 2]) << 4);
    }
  }
}

void DequantizeRow(TensorType type, const void* src, float* dst, size_t n) {
  switch (type) {
    case TensorType::kF32:
      std::memcpy(dst, src, n * sizeof(float));
      return;
    case TensorType::kF16: {
      const uint16_t* h = static_cast<const uint16_t*>(src);
      for (size_t i = 0; i < n; ++i) dst[i] = Fp16ToFp32(h[i]);
      return;
    }
    case TensorType::kQ8_0: {
      const BlockQ8_0* blocks = static_cast<const BlockQ8_0*>(src);
      for (size_t b = 0; b < n / kBlock; ++b) {
        float d = Fp16ToFp32(blocks[b].d);
        for (size_t j = 0; j < kBlock; ++j) dst[b * kBlock + j] = blocks[b].q[j] * d;
      }
      return;
    }
    case TensorType::kQ4_0: {
      const BlockQ4_0* blocks = static_cast<const BlockQ4_0*>(src);
      for (size_t b = 0; b < n / kBlock; ++b) {
        float d = Fp16ToFp32(blocks[b].d);
        for (size_t j = 0; j < kBlock / 2; ++j) {
          dst[b * kBlock + j] = ((blocks[b].qs[j] & 0x0f) - 8) * d;
          dst[b * kBlock + j + kBlock / 2] = ((blocks[b].qs[j] >> 4) - 8) * d;
        }
      }
      return;
    }
  }
}

void RepackQ4_0x8(const BlockQ4_0* rows, size_t row_stride, size_t blocks, BlockQ4_0x8* out) {
  for (size_t b = 0; b < blocks; ++b) {
    for (size_t k = 0; k < 8; ++k) {
      const BlockQ4_0& src = rows[k * row_stride + b];
      out[b].d[k] = src.d;
      for (size_t c = 0; c < 4; ++c) std::memcpy(&out[b].qs[32 * c + 4 * k], &src.qs[4 * c], 4);
    }
  }
}

void BlockSumsQ8_0(const BlockQ8_0* x, int16_t* sums, size_t blocks) {
  for (size_t b = 0; b < blocks; ++b) {
    int sum = 0;
    for (int8_t q : x[b].q) sum += q;
    sums[b] = static_cast<int16_t>(sum);
  }
}

}  // namespace gw::engine
