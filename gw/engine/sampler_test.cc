// The sampler's greedy scan against the plain one-at-a-time scan, and its parameter checks.
#include "gw/engine/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace gw::engine {
namespace {

size_t PlainScan(const std::vector<float>& v) {
  size_t best = 0;
  for (size_t i = 1; i < v.size(); ++i) {
    if (v[i] > v[best]) best = i;
  }
  return best;
}

TEST(Sampler, GreedyScanPicksTheFirstOfTheLargest) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 2000; ++trial) {
    const size_t n = 1 + rng() % 40;
    std::vector<float> v(n);
    for (float& x : v) {
      switch (rng() % 8) {
        case 0: x = NAN; break;
        case 1: x = -INFINITY; break;
        case 2: x = 3.0f; break;  // ties
        default: x = static_cast<float>(static_cast<int>(rng() % 7) - 3);
      }
    }
    ASSERT_EQ(Sampler::FirstOfTheLargest(v), PlainScan(v)) << "trial " << trial;
  }
  EXPECT_EQ(Sampler::FirstOfTheLargest(std::vector<float>{NAN, 5, 9}), 0u);
  EXPECT_EQ(Sampler::FirstOfTheLargest(std::vector<float>{-INFINITY, -INFINITY}), 0u);
  EXPECT_EQ(Sampler::FirstOfTheLargest(std::vector<float>{1, 2, 2, 0, 0, 2, 9, 9}), 6u);
}

TEST(Sampler, GreedyWithoutPenaltiesReadsTheLogits) {
  Sampler s(SamplingParams::Greedy());
  std::vector<float> logits(1000, 0.0f);
  logits[777] = 2.0f;
  logits[778] = 2.0f;
  EXPECT_EQ(s.Sample(logits), 777);
}

}  // namespace
}  // namespace gw::engine
