// The sampler: its greedy scan against the plain one-at-a-time scan, and the behaviour of each
// stage (top-k, top-p, min-p, temperature, repetition penalty, the seeded draw) against a
// reference written here from the definitions, on random logits.
#include "gw/engine/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
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

std::vector<float> RandomLogits(std::mt19937& rng, size_t n, float spread = 4.0f) {
  std::normal_distribution<float> normal(0.0f, spread);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

// Token ids by logit, highest first (ties: lower id first), and their softmax at temperature 1.
std::vector<int32_t> RankedIds(const std::vector<float>& logits) {
  std::vector<int32_t> ids(logits.size());
  std::iota(ids.begin(), ids.end(), 0);
  std::stable_sort(ids.begin(), ids.end(),
                   [&](int32_t a, int32_t b) { return logits[a] > logits[b]; });
  return ids;
}

std::vector<double> SoftmaxOf(const std::vector<float>& logits, const std::vector<int32_t>& ids,
                              double temp = 1) {
  std::vector<double> p(ids.size());
  double sum = 0;
  for (size_t i = 0; i < ids.size(); ++i)
    sum += p[i] = std::exp((logits[ids[i]] - logits[ids[0]]) / temp);
  for (double& x : p) x /= sum;
  return p;
}

std::vector<int32_t> IdsOf(std::span<const Sampler::TokenProb> dist) {
  std::vector<int32_t> ids;
  for (const auto& t : dist) ids.push_back(t.id);
  return ids;
}

SamplingParams Plain(float temperature = 1.0f) {
  SamplingParams p;
  p.temperature = temperature;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  return p;
}

TEST(Sampler, GreedyScanPicksTheFirstOfTheLargest) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 2000; ++trial) {
    const size_t n = 1 + rng() % 40;
    std::vector<float> v(n);
    for (float& x : v) {
      switch (rng() % 8) {
        case 0:
          x = NAN;
          break;
        case 1:
          x = -INFINITY;
          break;
        case 2:
          x = 3.0f;
          break;  // ties
        default:
          x = static_cast<float>(static_cast<int>(rng() % 7) - 3);
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

TEST(Sampler, TopKOfOneIsGreedyAtAnyTemperatureAndSeed) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<float> logits =
        RandomLogits(rng, 50 + rng() % 500, 0.5f);  // flat: draws would differ
    SamplingParams p = Plain(2.0f);
    p.top_k = 1;
    p.seed = trial;
    Sampler s(p);
    for (int draw = 0; draw < 5; ++draw)
      ASSERT_EQ(s.Sample(logits), static_cast<int32_t>(PlainScan(logits)));
  }
}

TEST(Sampler, TopKKeepsTheKLikeliest) {
  std::mt19937 rng(12);
  for (int k : {2, 3, 17, 40}) {
    std::vector<float> logits = RandomLogits(rng, 300);
    SamplingParams p = Plain();
    p.top_k = k;
    Sampler s(p);
    std::vector<int32_t> want = RankedIds(logits);
    want.resize(k);
    EXPECT_EQ(IdsOf(s.Distribution(logits)), want) << "top_k " << k;
  }
}

TEST(Sampler, TopPKeepsTheSmallestPrefixWithThatMass) {
  std::mt19937 rng(13);
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<float> logits = RandomLogits(rng, 20 + rng() % 300, 1.0f + trial % 5);
    SamplingParams p = Plain();
    p.top_p = std::uniform_real_distribution<float>(0.05f, 0.99f)(rng);
    std::vector<int32_t> ranked = RankedIds(logits);
    std::vector<double> probs = SoftmaxOf(logits, ranked);
    size_t n = 0;
    double mass = 0;
    while (mass < p.top_p) mass += probs[n++];
    ASSERT_GT(mass, 0);
    // Keeps the mass asked for, and no token it could do without.
    ASSERT_GE(mass, p.top_p);
    ASSERT_LT(mass - probs[n - 1], p.top_p);
    Sampler s(p);
    std::vector<int32_t> want(ranked.begin(), ranked.begin() + n);
    ASSERT_EQ(IdsOf(s.Distribution(logits)), want) << "trial " << trial << ", top_p " << p.top_p;
  }
}

TEST(Sampler, MinPDropsTokensBelowItsShareOfTheLikeliest) {
  std::mt19937 rng(14);
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<float> logits = RandomLogits(rng, 20 + rng() % 300);
    SamplingParams p = Plain();
    p.min_p = std::uniform_real_distribution<float>(0.001f, 0.9f)(rng);
    std::vector<int32_t> ranked = RankedIds(logits);
    std::vector<double> probs = SoftmaxOf(logits, ranked);
    std::vector<int32_t> want;
    for (size_t i = 0; i < ranked.size(); ++i) {
      if (probs[i] >= p.min_p * probs[0]) want.push_back(ranked[i]);
    }
    Sampler s(p);
    ASSERT_EQ(IdsOf(s.Distribution(logits)), want) << "trial " << trial << ", min_p " << p.min_p;
  }
}

TEST(Sampler, KeptTokensShareTheMassInTheirOldProportions) {
  std::mt19937 rng(15);
  std::vector<float> logits = RandomLogits(rng, 400);
  SamplingParams p = Plain();
  p.top_k = 30;
  p.top_p = 0.8f;
  p.min_p = 0.02f;
  Sampler s(p);
  std::span<const Sampler::TokenProb> dist = s.Distribution(logits);
  ASSERT_GT(dist.size(), 1u);
  double sum = 0;
  for (const auto& t : dist) sum += t.p;
  EXPECT_NEAR(sum, 1.0, 1e-12);
  for (size_t i = 1; i < dist.size(); ++i) {
    EXPECT_NEAR(std::log(dist[0].p / dist[i].p), logits[dist[0].id] - logits[dist[i].id], 1e-6);
  }
}

TEST(Sampler, TemperatureScalesTheLogits) {
  std::mt19937 rng(16);
  std::vector<float> logits = RandomLogits(rng, 200);
  auto entropy = [](std::span<const Sampler::TokenProb> d) {
    double h = 0;
    for (const auto& t : d) h -= t.p > 0 ? t.p * std::log(t.p) : 0;
    return h;
  };
  double last_entropy = 0;
  for (float temp : {0.25f, 0.5f, 1.0f, 2.0f, 4.0f}) {
    Sampler s(Plain(temp));
    std::span<const Sampler::TokenProb> dist = s.Distribution(logits);
    ASSERT_EQ(dist.size(), logits.size());
    // p_i / p_j = exp((l_i - l_j) / T): a higher temperature flattens, a lower one sharpens.
    for (size_t i = 1; i < dist.size(); i += 17) {
      EXPECT_NEAR(std::log(dist[0].p / dist[i].p), (logits[dist[0].id] - logits[dist[i].id]) / temp,
                  1e-5);
    }
    const double h = entropy(dist);
    EXPECT_GT(h, last_entropy) << "temperature " << temp;
    last_entropy = h;
  }
}

TEST(Sampler, RepeatPenaltyLowersRecentTokensOnly) {
  std::vector<float> logits = {2.0f, 1.0f, -1.0f, 0.5f, 0.5f, -1.0f};
  SamplingParams p = Plain();
  p.repeat_penalty = 2.0f;
  p.repeat_last_n = 3;
  Sampler s(p);
  for (int32_t t : {0, 1, 0, 2, 3}) s.Accept(t);  // the last three: 0, 2, 3
  std::span<const Sampler::TokenProb> dist = s.Distribution(logits);
  std::vector<double> p_of(logits.size());
  for (const auto& t : dist) p_of[t.id] = t.p;
  // Positive logits are divided by the penalty, negative ones multiplied; 1 is out of the window.
  const std::vector<float> penalized = {1.0f, 1.0f, -2.0f, 0.25f, 0.5f, -1.0f};
  for (size_t i = 1; i < logits.size(); ++i) {
    EXPECT_NEAR(std::log(p_of[i] / p_of[1]), penalized[i] - penalized[1], 1e-6) << "token " << i;
  }
  // Greedy with the penalty: token 0 (2 -> 1) ties token 1 and wins as the first of the largest;
  // with a stronger penalty, token 1 wins.
  p.temperature = 0;
  Sampler greedy(p);
  for (int32_t t : {0, 2, 3}) greedy.Accept(t);
  EXPECT_EQ(greedy.Sample(logits), 0);
  p.repeat_penalty = 3.0f;
  Sampler stronger(p);
  for (int32_t t : {0, 2, 3}) stronger.Accept(t);
  EXPECT_EQ(stronger.Sample(logits), 1);
}

TEST(Sampler, DrawsFollowTheDistributionAndRepeatWithTheSeed) {
  std::mt19937 rng(17);
  std::vector<float> logits = RandomLogits(rng, 12, 1.0f);
  SamplingParams p = Plain(0.7f);
  p.seed = 42;
  Sampler s(p);
  std::vector<double> want(logits.size());
  for (const auto& t : s.Distribution(logits)) want[t.id] = t.p;
  constexpr int kDraws = 20000;
  std::vector<int> count(logits.size());
  std::vector<int32_t> first;
  for (int i = 0; i < kDraws; ++i) {
    int32_t id = s.Sample(logits);
    ++count[id];
    if (i < 50) first.push_back(id);
  }
  // The seeded stream is fixed, so these bounds are deterministic: about 4 standard deviations.
  for (size_t i = 0; i < logits.size(); ++i) {
    EXPECT_NEAR(count[i] / double(kDraws), want[i],
                4 * std::sqrt(want[i] * (1 - want[i]) / kDraws) + 1e-9)
        << "token " << i;
  }
  Sampler again(p);
  std::vector<int32_t> repeat;
  for (int i = 0; i < 50; ++i) repeat.push_back(again.Sample(logits));
  EXPECT_EQ(repeat, first);
}

}  // namespace
}  // namespace gw::engine
