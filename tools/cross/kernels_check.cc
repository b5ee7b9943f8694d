// The kernel tables of a cross-compiled build (NEON under qemu-aarch64, simd128 under Node's
// WASI) against the generic table, without gtest: the comparisons of
// gw/engine/kernels/kernels_test.cc (tiles against the table's own dots), plus every half
// widened, floats at every half rounding boundary, and exponentials out of one power's range.
// Built and run by tools/cross/check_kernels.sh.
//   kernels_check [NAME]   checks every non-generic table; fails if NAME is not among them
// Prints one line per mismatch (the first few of each check) and a summary; exits 1 on any.
// Thread-safety: single-threaded program.
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gw/engine/kernels/kernels.h"

namespace gw::engine {
namespace {

int g_checks = 0;
int g_failures = 0;

// Records one comparison; prints the first few failures of each check, 40 in all.
void Expect(bool ok, const std::string& what) {
  static std::string last;
  static int printed = 0, printed_all = 0;
  ++g_checks;
  if (ok) return;
  ++g_failures;
  if (what != last) printed = 0;
  last = what;
  if (printed++ < 5 && printed_all++ < 40) std::printf("  MISMATCH %s\n", what.c_str());
}

template <class T>
bool SameBits(const T& a, const T& b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}
// The same bits, or both NaN (payloads may follow operand order).
bool SameOrNaN(float a, float b) { return SameBits(a, b) || (std::isnan(a) && std::isnan(b)); }
bool Near(float want, float got, float rel) {
  return std::fabs(want - got) <= rel * (1 + std::fabs(want));
}
// gtest's FLOAT_EQ: within 4 units in the last place.
bool FloatEq(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return false;
  auto biased = [](float f) {
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return (u & 0x80000000u) ? 0x80000000u - (u & 0x7fffffffu) : u + 0x80000000u;
  };
  const uint32_t x = biased(a), y = biased(b);
  return (x > y ? x - y : y - x) <= 4;
}

std::vector<float> Random(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-scale, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

std::string Tag(const Kernels& k, const char* what, size_t n, int extra = -1) {
  std::string s = std::string(k.name) + " " + what + " n=" + std::to_string(n);
  if (extra >= 0) s += " #" + std::to_string(extra);
  return s;
}

void CheckQuantize(const Kernels& k) {
  const Kernels& g = GenericKernels();
  std::vector<std::vector<float>> inputs;
  for (size_t n : {32u, 64u, 4096u}) {
    inputs.push_back(Random(n, 1 + static_cast<uint32_t>(n), 3.0f));
    inputs.back()[5] = 0.5f / 127.0f * 2.0f;
  }
  // Ties: amax 127 makes the scale exactly 1, so every k + 0.5 must round to even.
  std::vector<float> ties(256);
  for (size_t i = 0; i < ties.size(); ++i)
    ties[i] = i % 32 == 0 ? 127.0f : static_cast<float>(i % 127) - 63.5f;
  inputs.push_back(ties);
  inputs.push_back(std::vector<float>(64, 0.0f));  // all-zero blocks: d = 0, q = 0
  for (const std::vector<float>& x : inputs) {
    const size_t n = x.size();
    std::vector<BlockQ8_0> a(n / kBlock), b(n / kBlock);
    g.quantize_q8_0(x.data(), a.data(), n);
    k.quantize_q8_0(x.data(), b.data(), n);
    for (size_t i = 0; i < a.size(); ++i) {
      Expect(a[i].d == b[i].d, Tag(k, "quantize_q8_0 scale", n, static_cast<int>(i)));
      Expect(std::memcmp(a[i].q, b[i].q, kBlock) == 0,
             Tag(k, "quantize_q8_0 quants", n, static_cast<int>(i)));
    }
  }
}

void CheckDots(const Kernels& k) {
  const Kernels& g = GenericKernels();
  for (size_t n : {32u, 96u, 1024u}) {
    std::vector<float> wf = Random(n, 11), xf = Random(n * kMaxDotRows, 12, 4.0f);
    std::vector<BlockQ8_0> w8(n / kBlock), x8(n / kBlock * kMaxDotRows);
    std::vector<BlockQ4_0> w4(n / kBlock);
    QuantizeRowQ8_0(wf.data(), w8.data(), n);
    QuantizeRowQ4_0(wf.data(), w4.data(), n);
    g.quantize_q8_0(xf.data(), x8.data(), n * kMaxDotRows);
    const size_t stride = n / kBlock;
    for (int rows = 1; rows <= kMaxDotRows; ++rows) {
      float a[kMaxDotRows], b[kMaxDotRows];
      g.dot_q8_0(w8.data(), x8.data(), stride, rows, n, a);
      k.dot_q8_0(w8.data(), x8.data(), stride, rows, n, b);
      for (int r = 0; r < rows; ++r) Expect(Near(a[r], b[r], 1e-4f), Tag(k, "dot_q8_0", n, rows));
      g.dot_q4_0(w4.data(), x8.data(), stride, rows, n, a);
      k.dot_q4_0(w4.data(), x8.data(), stride, rows, n, b);
      for (int r = 0; r < rows; ++r) Expect(Near(a[r], b[r], 1e-4f), Tag(k, "dot_q4_0", n, rows));
    }
  }
  for (size_t n : {7u, 33u, 100u, 1000u}) {
    std::vector<float> w = Random(n, 21), x = Random(n * kMaxDotRows, 22);
    std::vector<uint16_t> w16(n), x16(n * kMaxDotRows);
    g.fp32_to_fp16(w.data(), w16.data(), n);
    g.fp32_to_fp16(x.data(), x16.data(), n * kMaxDotRows);
    for (int rows = 1; rows <= kMaxDotRows; ++rows) {
      float a[kMaxDotRows], b[kMaxDotRows];
      g.dot_f32(w.data(), x.data(), n, rows, n, a);
      k.dot_f32(w.data(), x.data(), n, rows, n, b);
      for (int r = 0; r < rows; ++r) Expect(Near(a[r], b[r], 1e-4f), Tag(k, "dot_f32", n, rows));
      g.dot_f16(w16.data(), x16.data(), n, rows, n, a);
      k.dot_f16(w16.data(), x16.data(), n, rows, n, b);
      for (int r = 0; r < rows; ++r) Expect(Near(a[r], b[r], 1e-4f), Tag(k, "dot_f16", n, rows));
    }
  }
}

// A tile of four weight rows equals the table's own dots of each row, exactly.
template <class W, class Tile, class Dot>
void CheckTile(const Kernels& k, const char* what, Tile tile, Dot dot, const std::vector<W>& w,
               const std::vector<BlockQ8_0>& x, size_t n) {
  const size_t blocks = n / kBlock;
  for (int cols = 1; cols <= kMaxDotRows; ++cols) {
    float t[16], d[kMaxDotRows];
    tile(w.data(), blocks, x.data(), blocks, cols, n, t);
    for (int i = 0; i < 4; ++i) {
      dot(w.data() + i * blocks, x.data(), blocks, cols, n, d);
      for (int j = 0; j < cols; ++j) Expect(SameOrNaN(t[j * 4 + i], d[j]), Tag(k, what, n, cols));
    }
  }
}

// tile_q4_0_scaled, where the table has it, gives tile_q4_0's bits: three groups of the four
// rows in other orders, each where y_stride puts it.
void CheckScaledTile(const Kernels& k, const std::vector<BlockQ4_0>& w4,
                     const std::vector<BlockQ8_0>& x, size_t n) {
  if (!k.tile_q4_0_scaled) return;
  const size_t blocks = n / kBlock, groups = 3, y_stride = 4 * groups + 1;
  std::vector<BlockQ4_0> w(blocks * 4 * groups);
  std::vector<float> ws(w.size()), xs(x.size());
  for (size_t r = 0; r < 4 * groups; ++r) {
    const size_t from = (r + r / 4) % 4;
    for (size_t b = 0; b < blocks; ++b) {
      w[r * blocks + b] = w4[from * blocks + b];
      ws[4 * (r / 4 * blocks + b) + r % 4] = Fp16ToFp32(w[r * blocks + b].d);
    }
  }
  for (size_t i = 0; i < x.size(); ++i) xs[i] = Fp16ToFp32(x[i].d);
  for (int cols = 1; cols <= kMaxDotRows; ++cols) {
    std::vector<float> y(kMaxDotRows * y_stride);
    k.tile_q4_0_scaled(w.data(), blocks, ws.data(), x.data(), xs.data(), blocks, cols, n, groups,
                       y.data(), y_stride);
    for (size_t g = 0; g < groups; ++g) {
      float want[16];
      k.tile_q4_0(w.data() + 4 * g * blocks, blocks, x.data(), blocks, cols, n, want);
      for (int j = 0; j < cols; ++j) {
        for (int i = 0; i < 4; ++i) {
          Expect(SameOrNaN(want[j * 4 + i], y[j * y_stride + 4 * g + i]),
                 Tag(k, "tile_q4_0_scaled", n, cols));
        }
      }
    }
  }
}

void CheckTiles(const Kernels& k) {
  for (size_t n : {32u, 256u, 2048u}) {
    const size_t blocks = n / kBlock;
    std::vector<float> wf = Random(n * 4, 51), xf = Random(n * kMaxDotRows, 52, 2.0f);
    std::vector<BlockQ8_0> w8(blocks * 4), x8(blocks * kMaxDotRows);
    std::vector<BlockQ4_0> w4(blocks * 4);
    QuantizeRowQ8_0(wf.data(), w8.data(), n * 4);
    QuantizeRowQ4_0(wf.data(), w4.data(), n * 4);
    k.quantize_q8_0(xf.data(), x8.data(), n * kMaxDotRows);
    CheckTile(k, "tile_q8_0", k.tile_q8_0, k.dot_q8_0, w8, x8, n);
    CheckTile(k, "tile_q4_0", k.tile_q4_0, k.dot_q4_0, w4, x8, n);
    CheckScaledTile(k, w4, x8, n);
    // Infinite and NaN scales (a broken file): tiles still sum as the dots do.
    w8[blocks - 1].d = w4[blocks - 1].d = 0x7c00;
    w8[2 * blocks].d = w4[2 * blocks].d = 0x7e00;
    x8[blocks + blocks / 2].d = 0xfc00;
    CheckTile(k, "tile_q8_0 non-finite", k.tile_q8_0, k.dot_q8_0, w8, x8, n);
    CheckTile(k, "tile_q4_0 non-finite", k.tile_q4_0, k.dot_q4_0, w4, x8, n);
    CheckScaledTile(k, w4, x8, n);
  }
}

// Floats around every rounding boundary of the half format, specials, and random ones.
std::vector<float> HalfBoundaryFloats() {
  std::vector<uint32_t> bits;
  for (uint32_t e = 90; e <= 150; ++e) {
    for (uint32_t m = 0; m < (1u << 23); m += 1u << 13) {
      for (uint32_t r : {0u, 1u, 0xfffu, 0x1000u, 0x1001u, 0x1fffu})
        bits.push_back(e << 23 | m | r);
    }
  }
  for (uint32_t u : {0x00000000u, 0x00000001u, 0x007fffffu, 0x7f7fffffu, 0x7f800000u, 0x7f800001u,
                     0x7fc00000u, 0x7fc02000u, 0x7fffffffu, 0x477fefffu, 0x477ff000u, 0x477ff001u,
                     0x33000000u, 0x33000001u}) {
    bits.push_back(u);
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 200000; ++i) bits.push_back(static_cast<uint32_t>(rng()));
  std::vector<float> out;
  for (uint32_t u : bits) {
    for (uint32_t sign : {0u, 0x80000000u}) {
      float f;
      const uint32_t v = u | sign;
      std::memcpy(&f, &v, sizeof f);
      out.push_back(f);
    }
  }
  return out;
}

void CheckHalves(const Kernels& k) {
  const Kernels& g = GenericKernels();
  for (const std::vector<float>& x : {Random(1003, 31, 70000.0f), HalfBoundaryFloats()}) {
    std::vector<uint16_t> a(x.size()), b(x.size());
    g.fp32_to_fp16(x.data(), a.data(), x.size());
    k.fp32_to_fp16(x.data(), b.data(), x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      char what[96] = "";
      if (a[i] != b[i]) {
        uint32_t u;
        std::memcpy(&u, &x[i], sizeof u);
        std::snprintf(what, sizeof what, "%s fp32_to_fp16 of 0x%08" PRIx32 ": 0x%04x, not 0x%04x",
                      k.name, u, b[i], a[i]);
      }
      Expect(a[i] == b[i], what);
    }
  }
  std::vector<float> h = Random(1003, 31, 70000.0f);
  std::vector<uint16_t> h16(h.size());
  g.fp32_to_fp16(h.data(), h16.data(), h.size());
  std::vector<float> y1 = Random(1003, 32), y2 = y1;
  g.axpy_f16(0.375f, h16.data(), y1.data(), h16.size());
  k.axpy_f16(0.375f, h16.data(), y2.data(), h16.size());
  for (size_t i = 0; i < y1.size(); ++i)
    Expect(FloatEq(y1[i], y2[i]), Tag(k, "axpy_f16", y1.size()));
  // Every half, widened through axpy (0 + 1 * h): the same bits, NaN payloads included.
  std::vector<uint16_t> all(1 << 16);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint16_t>(i);
  std::vector<float> z1(all.size(), 0.0f), z2(all.size(), 0.0f);
  g.axpy_f16(1.0f, all.data(), z1.data(), all.size());
  k.axpy_f16(1.0f, all.data(), z2.data(), all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    char what[64] = "";
    const bool same = SameBits(z1[i], z2[i]);
    if (!same) std::snprintf(what, sizeof what, "%s half 0x%04zx widened", k.name, i);
    Expect(same, what);
  }
}

void CheckCompatLoops(const Kernels& k) {
  const Kernels& g = GenericKernels();
  for (ExpFlavor f : {ExpFlavor::kWide, ExpFlavor::kNarrow}) {
    const char* fl = f == ExpFlavor::kWide ? "wide" : "narrow";
    // Scale 30 as kernels_test.cc; 150 also reaches the lanes out of one power's range.
    for (float scale : {30.0f, 150.0f}) {
      std::vector<float> gate = Random(1003, 33, scale), up = Random(1003, 34);
      std::vector<float> o1(gate.size()), o2(gate.size());
      g.swiglu(f, gate.data(), up.data(), o1.data(), gate.size());
      k.swiglu(f, gate.data(), up.data(), o2.data(), gate.size());
      for (size_t i = 0; i < o1.size(); ++i)
        Expect(SameBits(o1[i], o2[i]), Tag(k, "swiglu", 1003) + " " + fl);
    }
    for (size_t n : {1u, 5u, 8u, 13u, 16u, 31u, 300u}) {
      for (float scale : {20.0f, 200.0f}) {
        std::vector<float> s1 = Random(n, 35, scale), s2 = s1;
        const double a = g.softmax_exp(f, s1.data(), n, scale);
        const double b = k.softmax_exp(f, s2.data(), n, scale);
        Expect(SameBits(a, b), Tag(k, "softmax_exp sum", n) + " " + fl);
        for (size_t i = 0; i < n; ++i)
          Expect(SameBits(s1[i], s2[i]), Tag(k, "softmax_exp", n) + " " + fl);
      }
    }
    // Many seeds: two summation orders differ in the last bit only now and then.
    for (uint32_t seed = 0; seed < 40; ++seed) {
      for (size_t n : {16u, 64u, 100u, 257u, 1000u}) {
        const size_t stride = n + 5, count = 6;  // rows closer than a padded step; 4 + 2 rows
        std::vector<float> a = Random(stride * count, 36 + 2 * seed, 3.0f),
                           b = Random(n, 37 + 2 * seed, 3.0f);
        std::vector<uint16_t> rows(a.size() + kAttnPad, 0x7c00);  // +inf in the spare values
        g.fp32_to_fp16(a.data(), rows.data(), a.size());
        // Some seeds put an infinity or a NaN inside the rows (SIMD tables that convert halves
        // without looking for them must notice and sum those rows again).
        if (seed % 4 == 1) rows[n / 2] = 0x7c00;
        if (seed % 4 == 2)
          rows[stride + n - 1] = 0xfe01;  // a leftover, where n is not a whole step
        if (seed % 4 == 3) rows[2 * stride] = 0xfc00;
        std::vector<float> values(rows.size());
        for (size_t i = 0; i < rows.size(); ++i) values[i] = Fp16ToFp32(rows[i]);
        std::vector<float> y((n + kAttnPad - 1) / kAttnPad * kAttnPad, 0.0f), y_k(y.size(), 0.0f);
        g.round_fp16(b.data(), y.data(), n);
        k.round_fp16(b.data(), y_k.data(), n);
        for (size_t i = 0; i < n; ++i)
          Expect(SameBits(y[i], y_k[i]), Tag(k, "round_fp16", n) + " " + fl);
        for (DotOrder o : {DotOrder::kVecDot, DotOrder::kTiled}) {
          for (bool padded : {false, true}) {
            float want[count], got[count];
            g.attn_dots_f16(f, o, rows.data(), stride, kAttnSegment, count, y.data(), n, padded,
                            want);
            k.attn_dots_f16(f, o, rows.data(), stride, kAttnSegment, count, y.data(), n, padded,
                            got);
            const char* what =
                o == DotOrder::kTiled ? "attn_dots_f16 tiled" : "attn_dots_f16 vecdot";
            for (size_t i = 0; i < count; ++i)
              Expect(SameOrNaN(want[i], got[i]), Tag(k, what, n, padded) + " " + fl);
            if (k.attn_dots_f32) {  // the same rows as floats: the same bits
              k.attn_dots_f32(f, o, values.data(), stride, kAttnSegment, count, y.data(), n, padded,
                              got);
              for (size_t i = 0; i < count; ++i) {
                Expect(SameOrNaN(want[i], got[i]), Tag(k, "attn_dots_f32", n, padded) + " " + fl);
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace gw::engine

int main(int argc, char** argv) {
  using namespace gw::engine;
  const char* want = argc > 1 ? argv[1] : nullptr;
  bool found = false;
  for (const Kernels* k : AvailableKernels()) {
    if (k == &GenericKernels()) continue;
    found = found || (want && std::strcmp(k->name, want) == 0);
    const int before_checks = g_checks, before_failures = g_failures;
    CheckQuantize(*k);
    CheckDots(*k);
    CheckTiles(*k);
    CheckHalves(*k);
    CheckCompatLoops(*k);
    std::printf("kernels_check: table %s: %d checks, %d mismatches\n", k->name,
                g_checks - before_checks, g_failures - before_failures);
  }
  if (want && !found) {
    std::printf("kernels_check: table %s is not in this build\n", want);
    return 1;
  }
  if (!want && g_checks == 0) {
    std::printf("kernels_check: no table besides the generic one in this build\n");
    return 1;
  }
  std::printf("kernels_check: %s (%d checks, %d mismatches)\n", g_failures == 0 ? "PASS" : "FAIL",
              g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
