// Every kernel table this CPU runs against the generic one, on random inputs of awkward
// sizes: the same values up to float rounding (exactly for the integer parts), and the
// ggml-compatible loops against their scalar definitions.
#include "gw/engine/kernels/kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace gw::engine {
namespace {

std::vector<float> Random(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-scale, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

// Calls fn(flavor, order, padded) for every attention case.
template <class F>
void ForEachAttentionCase(F fn) {
  for (ExpFlavor f : {ExpFlavor::kWide, ExpFlavor::kNarrow}) {
    for (DotOrder o : {DotOrder::kVecDot, DotOrder::kTiled}) {
      for (bool padded : {false, true}) fn(f, o, padded);
    }
  }
}

class KernelTables : public ::testing::TestWithParam<const Kernels*> {};

TEST_P(KernelTables, QuantizeQ8_0MatchesGenericExactly) {
  const Kernels& k = *GetParam();
  for (size_t n : {32u, 64u, 4096u}) {
    std::vector<float> x = Random(n, 1 + static_cast<uint32_t>(n), 3.0f);
    x[5] = 0.5f / 127.0f * 2.0f;  // lands on a rounding tie after scaling in some blocks
    std::vector<BlockQ8_0> a(n / kBlock), b(n / kBlock);
    GenericKernels().quantize_q8_0(x.data(), a.data(), n);
    k.quantize_q8_0(x.data(), b.data(), n);
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].d, b[i].d);
      for (size_t j = 0; j < kBlock; ++j)
        ASSERT_EQ(a[i].q[j], b[i].q[j]) << k.name << " block " << i << " " << j;
    }
  }
}

TEST_P(KernelTables, DotsMatchGenericForEveryRowCount) {
  const Kernels& k = *GetParam();
  const Kernels& g = GenericKernels();
  for (size_t n : {32u, 96u, 1024u}) {
    std::vector<float> wf = Random(n, 11), xf = Random(n * kMaxDotRows, 12, 4.0f);
    std::vector<BlockQ8_0> w8(n / kBlock), x8(n / kBlock * kMaxDotRows);
    std::vector<BlockQ4_0> w4(n / kBlock);
    QuantizeRowQ8_0(wf.data(), w8.data(), n);
    QuantizeRowQ4_0(wf.data(), w4.data(), n);
    g.quantize_q8_0(xf.data(), x8.data(), n * kMaxDotRows);
    for (int rows = 1; rows <= kMaxDotRows; ++rows) {
      float a[kMaxDotRows], b[kMaxDotRows];
      const size_t stride = n / kBlock;
      g.dot_q8_0(w8.data(), x8.data(), stride, rows, n, a);
      k.dot_q8_0(w8.data(), x8.data(), stride, rows, n, b);
      for (int r = 0; r < rows; ++r)
        EXPECT_NEAR(a[r], b[r], 1e-4f * (1 + std::fabs(a[r]))) << k.name << " q8_0";
      g.dot_q4_0(w4.data(), x8.data(), stride, rows, n, a);
      k.dot_q4_0(w4.data(), x8.data(), stride, rows, n, b);
      for (int r = 0; r < rows; ++r)
        EXPECT_NEAR(a[r], b[r], 1e-4f * (1 + std::fabs(a[r]))) << k.name << " q4_0";
    }
  }
  for (size_t n : {7u, 33u, 100u, 1000u}) {  // float rows of any length
    std::vector<float> w = Random(n, 21), x = Random(n * kMaxDotRows, 22);
    std::vector<uint16_t> w16(n), x16(n * kMaxDotRows);
    g.fp32_to_fp16(w.data(), w16.data(), n);
    g.fp32_to_fp16(x.data(), x16.data(), n * kMaxDotRows);
    for (int rows = 1; rows <= kMaxDotRows; ++rows) {
      float a[kMaxDotRows], b[kMaxDotRows];
      g.dot_f32(w.data(), x.data(), n, rows, n, a);
      k.dot_f32(w.data(), x.data(), n, rows, n, b);
      for (int r = 0; r < rows; ++r)
        EXPECT_NEAR(a[r], b[r], 1e-4f * (1 + std::fabs(a[r]))) << k.name << " f32 n=" << n;
      g.dot_f16(w16.data(), x16.data(), n, rows, n, a);
      k.dot_f16(w16.data(), x16.data(), n, rows, n, b);
      for (int r = 0; r < rows; ++r)
        EXPECT_NEAR(a[r], b[r], 1e-4f * (1 + std::fabs(a[r]))) << k.name << " f16 n=" << n;
    }
  }
}

TEST_P(KernelTables, TilesSumExactlyAsTheTablesOwnDots) {
  const Kernels& k = *GetParam();
  for (size_t n : {32u, 256u, 2048u}) {
    const size_t blocks = n / kBlock;
    std::vector<float> wf = Random(n * 4, 51), xf = Random(n * kMaxDotRows, 52, 2.0f);
    std::vector<BlockQ8_0> w8(blocks * 4), x8(blocks * kMaxDotRows);
    std::vector<BlockQ4_0> w4(blocks * 4);
    QuantizeRowQ8_0(wf.data(), w8.data(), n * 4);
    QuantizeRowQ4_0(wf.data(), w4.data(), n * 4);
    k.quantize_q8_0(xf.data(), x8.data(), n * kMaxDotRows);
    for (int cols = 1; cols <= kMaxDotRows; ++cols) {
      float tile[16], dot[kMaxDotRows];
      k.tile_q8_0(w8.data(), blocks, x8.data(), blocks, cols, n, tile);
      for (int i = 0; i < 4; ++i) {
        k.dot_q8_0(w8.data() + i * blocks, x8.data(), blocks, cols, n, dot);
        for (int j = 0; j < cols; ++j)
          ASSERT_EQ(tile[j * 4 + i], dot[j]) << k.name << " q8_0 n=" << n;
      }
      k.tile_q4_0(w4.data(), blocks, x8.data(), blocks, cols, n, tile);
      for (int i = 0; i < 4; ++i) {
        k.dot_q4_0(w4.data() + i * blocks, x8.data(), blocks, cols, n, dot);
        for (int j = 0; j < cols; ++j)
          ASSERT_EQ(tile[j * 4 + i], dot[j]) << k.name << " q4_0 n=" << n;
      }
    }
  }
}

// Eight rows' sums block by block (acc = fma(block total, dw * dx, acc)) from the plain rows.
float BlockOrderDot(const BlockQ4_0* w, const BlockQ8_0* x, size_t blocks) {
  float acc = 0;
  for (size_t b = 0; b < blocks; ++b) {
    int32_t total = 0;
    for (size_t j = 0; j < kBlock / 2; ++j) {
      total +=
          ((w[b].qs[j] & 0x0f) - 8) * x[b].q[j] + ((w[b].qs[j] >> 4) - 8) * x[b].q[j + kBlock / 2];
    }
    acc = std::fma(static_cast<float>(total), Fp16ToFp32(w[b].d) * Fp16ToFp32(x[b].d), acc);
  }
  return acc;
}

TEST_P(KernelTables, RepackedQ4_0TilesGiveTheBlockOrderBitsOfThePlainRows) {
  const Kernels& k = *GetParam();
  for (size_t n : {32u, 256u, 2048u}) {
    const size_t blocks = n / kBlock;
    std::vector<float> wf = Random(n * 8, 61), xf = Random(n * kMaxDotRows, 62, 3.0f);
    // Extremes too: nibbles 0 and 15 against activations of +-127 (the 16-bit sums' worst case).
    for (size_t i = 0; i < kBlock; ++i)
      wf[i] = (i % 2 ? 1.0f : -1.0f), xf[i] = (i % 2 ? 5.0f : -5.0f);
    std::vector<BlockQ4_0> w4(blocks * 8);
    std::vector<BlockQ8_0> x8(blocks * kMaxDotRows);
    QuantizeRowQ4_0(wf.data(), w4.data(), n * 8);
    k.quantize_q8_0(xf.data(), x8.data(), n * kMaxDotRows);
    std::vector<BlockQ4_0x8> packed(blocks);
    RepackQ4_0x8(w4.data(), blocks, blocks, packed.data());
    std::vector<int16_t> sums(x8.size());
    BlockSumsQ8_0(x8.data(), sums.data(), x8.size());
    for (int cols = 1; cols <= kMaxDotRows; ++cols) {
      float tile[8 * kMaxDotRows];
      k.tile_q4_0x8(packed.data(), x8.data(), sums.data(), blocks, cols, n, tile);
      for (int j = 0; j < cols; ++j) {
        for (int r = 0; r < 8; ++r) {
          ASSERT_EQ(tile[j * 8 + r],
                    BlockOrderDot(w4.data() + r * blocks, x8.data() + j * blocks, blocks))
              << k.name << " n=" << n << " col " << j << " row " << r;
        }
      }
    }
  }
}

TEST_P(KernelTables, HalfConversionsAxpyAndCompatLoopsMatchGeneric) {
  const Kernels& k = *GetParam();
  const Kernels& g = GenericKernels();
  std::vector<float> x = Random(1003, 31, 70000.0f);  // also overflows to inf
  std::vector<uint16_t> a(x.size()), b(x.size());
  g.fp32_to_fp16(x.data(), a.data(), x.size());
  k.fp32_to_fp16(x.data(), b.data(), x.size());
  EXPECT_EQ(a, b);
  std::vector<float> y1 = Random(1003, 32), y2 = y1;
  g.axpy_f16(0.375f, a.data(), y1.data(), a.size());
  k.axpy_f16(0.375f, a.data(), y2.data(), a.size());
  for (size_t i = 0; i < y1.size(); ++i) ASSERT_FLOAT_EQ(y1[i], y2[i]);
  for (ExpFlavor f : {ExpFlavor::kWide, ExpFlavor::kNarrow}) {
    std::vector<float> gate = Random(1003, 33, 30.0f), up = Random(1003, 34);
    std::vector<float> o1(gate.size()), o2(gate.size());
    g.swiglu(f, gate.data(), up.data(), o1.data(), gate.size());
    k.swiglu(f, gate.data(), up.data(), o2.data(), gate.size());
    EXPECT_EQ(o1, o2) << k.name;
    std::vector<float> s1 = Random(300, 35, 20.0f), s2 = s1;
    EXPECT_EQ(g.softmax_exp(f, s1.data(), s1.size(), 20.0f),
              k.softmax_exp(f, s2.data(), s2.size(), 20.0f));
    EXPECT_EQ(s1, s2);
    for (size_t n : {16u, 64u, 100u, 257u}) {
      // Three rows packed closer than a padded step (what follows a row is another row's data),
      // against one vector of halves' values zero-padded to kAttnPad.
      const size_t stride = n + 5, count = 3;
      std::vector<float> a = Random(stride * count, 36, 3.0f), b = Random(n, 37, 3.0f);
      std::vector<uint16_t> rows(a.size() + kAttnPad, 0x7c00);  // +inf in the spare values
      g.fp32_to_fp16(a.data(), rows.data(), a.size());
      std::vector<float> y((n + kAttnPad - 1) / kAttnPad * kAttnPad, 0.0f), y_k(y.size(), 0.0f);
      g.round_fp16(b.data(), y.data(), n);
      k.round_fp16(b.data(), y_k.data(), n);
      ASSERT_EQ(y, y_k) << k.name << " round_fp16";
      for (DotOrder o : {DotOrder::kVecDot, DotOrder::kTiled}) {
        for (bool padded : {false, true}) {
          float want[count], got[count];
          g.attn_dots_f16(f, o, rows.data(), stride, kAttnSegment, count, y.data(), n, padded,
                          want);
          k.attn_dots_f16(f, o, rows.data(), stride, kAttnSegment, count, y.data(), n, padded, got);
          for (size_t i = 0; i < count; ++i) {
            EXPECT_EQ(want[i], got[i])
                << k.name << " n=" << n << " padded=" << padded << " row " << i;
          }
        }
      }
    }
  }
}

TEST_P(KernelTables, SegmentedAttentionRowsSumAsContiguousOnes) {
  const Kernels& k = *GetParam();
  const Kernels& g = GenericKernels();
  const size_t n = 700, count = 2,
               segment_stride = 3 * kAttnSegment;  // rows interleaved by segment
  std::vector<float> a = Random(n * count, 71, 2.0f), b = Random(n, 72, 2.0f);
  std::vector<uint16_t> contiguous(a.size()),
      segmented(segment_stride * 3, 0x7c00);  // +inf where unused
  g.fp32_to_fp16(a.data(), contiguous.data(), a.size());
  for (size_t r = 0; r < count; ++r) {
    for (size_t i = 0; i < n; ++i)
      *const_cast<uint16_t*>(SegmentAt(segmented.data() + r * kAttnSegment, segment_stride, i)) =
          contiguous[r * n + i];
  }
  std::vector<float> y(768, 0.0f);
  g.round_fp16(b.data(), y.data(), n);
  ForEachAttentionCase([&](ExpFlavor f, DotOrder o, bool padded) {
    float want[count], got[count];
    g.attn_dots_f16(f, o, contiguous.data(), n, kAttnSegment, count, y.data(), n, padded, want);
    k.attn_dots_f16(f, o, segmented.data(), kAttnSegment, segment_stride, count, y.data(), n,
                    padded, got);
    for (size_t r = 0; r < count; ++r) EXPECT_EQ(want[r], got[r]) << k.name << " row " << r;
  });
}

// attn_dots_f32 reads the halves' values as floats and gives attn_dots_f16's bits.
TEST(GenericWasmLike, AttentionRowsInFloatsSumAsInHalves) {
  const Kernels& k = GenericWasmLikeKernels();
  const size_t n = 300, count = 5, stride = n + 3;
  std::vector<float> a = Random(stride * count, 81, 2.0f), b = Random(n, 82, 2.0f);
  std::vector<uint16_t> halves(a.size() + kAttnPad, 0);
  k.fp32_to_fp16(a.data(), halves.data(), a.size());
  std::vector<float> values(halves.size());
  k.round_fp16(a.data(), values.data(), a.size());
  std::vector<float> y(320, 0.0f);
  k.round_fp16(b.data(), y.data(), n);
  ForEachAttentionCase([&](ExpFlavor f, DotOrder o, bool padded) {
    float want[count], got[count];
    k.attn_dots_f16(f, o, halves.data(), stride, kAttnSegment, count, y.data(), n, padded, want);
    k.attn_dots_f32(f, o, values.data(), stride, kAttnSegment, count, y.data(), n, padded, got);
    for (size_t r = 0; r < count; ++r) EXPECT_EQ(want[r], got[r]) << "row " << r;
  });
  for (const Kernels* t : AvailableKernels()) {
    if (t->attn_dots_f32 || t->tile_q4_0_scaled)
      ADD_FAILURE() << t->name << ": native tables keep halves";
  }
}

// tile_q4_0_scaled over three groups of four rows gives tile_q4_0's bits, each where y says.
TEST(GenericWasmLike, TilesWithFloatScalesSumAsWithHalves) {
  const Kernels& k = GenericWasmLikeKernels();
  const size_t n = 256, blocks = n / kBlock, rows = 12, y_stride = 13;
  std::vector<float> wf = Random(n * rows, 91), xf = Random(n * kMaxDotRows, 92, 2.0f);
  std::vector<BlockQ4_0> w(blocks * rows);
  std::vector<BlockQ8_0> x(blocks * kMaxDotRows);
  QuantizeRowQ4_0(wf.data(), w.data(), n * rows);
  k.quantize_q8_0(xf.data(), x.data(), n * kMaxDotRows);
  std::vector<float> ws(blocks * rows), xs(blocks * kMaxDotRows);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t b = 0; b < blocks; ++b)
      ws[4 * (r / 4 * blocks + b) + r % 4] = Fp16ToFp32(w[r * blocks + b].d);
  }
  for (size_t i = 0; i < xs.size(); ++i) xs[i] = Fp16ToFp32(x[i].d);
  for (int cols = 1; cols <= kMaxDotRows; ++cols) {
    std::vector<float> y(kMaxDotRows * y_stride, -1.0f);
    k.tile_q4_0_scaled(w.data(), blocks, ws.data(), x.data(), xs.data(), blocks, cols, n, 3,
                       y.data(), y_stride);
    for (size_t g = 0; g < 3; ++g) {
      float want[16];
      k.tile_q4_0(w.data() + 4 * g * blocks, blocks, x.data(), blocks, cols, n, want);
      for (int j = 0; j < cols; ++j) {
        for (int i = 0; i < 4; ++i)
          EXPECT_EQ(want[j * 4 + i], y[j * y_stride + 4 * g + i]) << cols << " " << g;
      }
    }
    EXPECT_EQ(y[12], -1.0f);  // nothing past the groups
  }
}

INSTANTIATE_TEST_SUITE_P(All, KernelTables,
                         ::testing::ValuesIn(AvailableKernels().begin(), AvailableKernels().end()),
                         [](const auto& info) { return std::string(info.param->name); });

TEST(GgmlCompat, ExpIsCloseToTheLibraryOneAndSaturates) {
  for (ExpFlavor f : {ExpFlavor::kWide, ExpFlavor::kNarrow}) {
    for (float x = -80.0f; x < 80.0f; x += 0.37f) {
      float want = std::exp(x);
      EXPECT_NEAR(exp_compat::Exp(f, x), want, want * 3e-7f) << x;
    }
    EXPECT_EQ(exp_compat::Exp(f, -INFINITY), 0.0f);
    EXPECT_EQ(exp_compat::Exp(f, -200.0f), 0.0f);
    EXPECT_TRUE(std::isinf(exp_compat::Exp(f, 200.0f)));
  }
}

TEST(GgmlCompat, DotOrdersSumTheSameProducts) {
  std::vector<float> a = Random(300, 41), b = Random(300, 42), b_half(b.size());
  std::vector<uint16_t> a16(a.size());
  GenericKernels().fp32_to_fp16(a.data(), a16.data(), a.size());
  GenericKernels().round_fp16(b.data(), b_half.data(), b.size());
  double exact = 0;
  for (size_t i = 0; i < a.size(); ++i)
    exact += static_cast<double>(Fp16ToFp32(a16[i])) * b_half[i];
  ForEachAttentionCase([&](ExpFlavor f, DotOrder o, bool padded) {
    EXPECT_NEAR(DotF16Compat(f, o, a16.data(), kAttnSegment, b_half.data(), a.size(), padded),
                exact, 1e-4);
  });
}

TEST(Dispatch, BestIsAvailableAndNamesResolve) {
  EXPECT_EQ(AvailableKernels().front(), &GenericKernels());
  EXPECT_EQ(AvailableKernels().back(), &BestKernels());
  EXPECT_EQ(KernelsNamed("generic"), &GenericKernels());
  EXPECT_EQ(KernelsNamed("no-such-isa"), nullptr);
}

}  // namespace
}  // namespace gw::engine
