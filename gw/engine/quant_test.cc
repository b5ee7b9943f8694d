#include "gw/engine/quant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace gw::engine {
namespace {

TEST(Fp16, KnownValuesAndRoundTrips) {
  EXPECT_EQ(Fp32ToFp16(1.0f), 0x3c00);
  EXPECT_EQ(Fp32ToFp16(-2.0f), 0xc000);
  EXPECT_EQ(Fp32ToFp16(65504.0f), 0x7bff);       // the largest half
  EXPECT_EQ(Fp32ToFp16(1e6f), 0x7c00);           // overflows to inf
  EXPECT_EQ(Fp32ToFp16(5.9604645e-8f), 0x0001);  // the smallest subnormal
  EXPECT_EQ(Fp32ToFp16(0.0f), 0x0000);
  EXPECT_EQ(Fp32ToFp16(1.0f + 1.0f / 2048), 0x3c00);  // a tie rounds to even
  EXPECT_EQ(Fp32ToFp16(1.0f + 3.0f / 2048), 0x3c02);
  EXPECT_TRUE(std::isnan(Fp16ToFp32(Fp32ToFp16(NAN))));
  // Every half converts to a float that converts back to itself.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) continue;  // nan payloads
    EXPECT_EQ(Fp32ToFp16(Fp16ToFp32(static_cast<uint16_t>(h))), h) << h;
  }
}

TEST(Quant, Q8_0AndQ4_0RoundTripWithinTheirStep) {
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0, 1);
  std::vector<float> x(256);
  for (float& v : x) v = dist(rng);
  std::vector<BlockQ8_0> q8(x.size() / kBlock);
  std::vector<BlockQ4_0> q4(x.size() / kBlock);
  QuantizeRowQ8_0(x.data(), q8.data(), x.size());
  QuantizeRowQ4_0(x.data(), q4.data(), x.size());
  std::vector<float> y8(x.size()), y4(x.size());
  DequantizeRow(TensorType::kQ8_0, q8.data(), y8.data(), x.size());
  DequantizeRow(TensorType::kQ4_0, q4.data(), y4.data(), x.size());
  for (size_t b = 0; b < x.size() / kBlock; ++b) {
    float d8 = Fp16ToFp32(q8[b].d), d4 = std::fabs(Fp16ToFp32(q4[b].d));
    for (size_t j = 0; j < kBlock; ++j) {
      size_t i = b * kBlock + j;
      EXPECT_LE(std::fabs(x[i] - y8[i]), d8 * 0.5f + 1e-3f) << i;
      EXPECT_LE(std::fabs(x[i] - y4[i]), d4 * 1.0f + 1e-3f) << i;
    }
  }
}

TEST(Quant, Q4_0UsesGgmlsLayout) {
  float x[kBlock];
  for (size_t j = 0; j < kBlock; ++j) x[j] = j < 16 ? -8.0f : 7.0f;  // max magnitude -8: d = 1
  BlockQ4_0 b;
  QuantizeRowQ4_0(x, &b, kBlock);
  EXPECT_EQ(Fp16ToFp32(b.d), 1.0f);
  EXPECT_EQ(b.qs[0],
            0x0 | (0xf << 4));  // element 0 low nibble (-8 -> 0), element 16 high (7 -> 15)
  float y[kBlock];
  DequantizeRow(TensorType::kQ4_0, &b, y, kBlock);
  EXPECT_EQ(y[0], -8.0f);
  EXPECT_EQ(y[16], 7.0f);
}

}  // namespace
}  // namespace gw::engine
