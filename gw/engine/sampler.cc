#include "gw/engine/sampler.h"

#include <algorithm>
#include <cmath>

namespace gw::engine {

Status SamplingParams::Validate() const {
  if (!(temperature >= 0 && temperature <= 100))
    return InvalidArgument("temperature must be between 0 and 100");
  if (top_k < 0) return InvalidArgument("top_k must be 0 (off) or more");
  if (!(top_p > 0 && top_p <= 1)) return InvalidArgument("top_p must be in (0, 1]");
  if (!(min_p >= 0 && min_p < 1)) return InvalidArgument("min_p must be in [0, 1)");
  if (!(repeat_penalty > 0 && repeat_penalty <= 10))
    return InvalidArgument("repeat_penalty must be in (0, 10]");
  if (repeat_last_n < 0) return InvalidArgument("repeat_last_n must be 0 or more");
  return OkStatus();
}

Sampler::Sampler(const SamplingParams& params) : params_(params), state_(params.seed) {}

double Sampler::NextUniform() {
  // splitmix64: small, fast, and the same stream on every platform.
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

void Sampler::Accept(int32_t token) {
  if (params_.repeat_last_n == 0) return;
  recent_.push_back(token);
  while (recent_.size() > static_cast<size_t>(params_.repeat_last_n)) recent_.pop_front();
}

// The first index whose value no later one exceeds (`>`, so NaNs are passed over, as in the
// loop over candidates below). Four lanes of the scan run side by side, each keeping its own
// first largest, so that the compares do not wait on one another; ties then go to the lowest
// index, which gives the single scan's answer.
size_t Sampler::FirstOfTheLargest(std::span<const float> v) {
  if (std::isnan(v[0])) return 0;  // nothing is larger than a NaN in the first place
  float best[4] = {v[0], -INFINITY, -INFINITY, -INFINITY};
  size_t at[4] = {0, 0, 0, 0};
  size_t i = 1;
  for (; i < 4 && i < v.size(); ++i) {
    if (v[i] > best[i]) best[i] = v[i], at[i] = i;
  }
  for (; i + 4 <= v.size(); i += 4) {
    for (size_t l = 0; l < 4; ++l) {
      if (v[i + l] > best[l]) best[l] = v[i + l], at[l] = i + l;
    }
  }
  for (; i < v.size(); ++i) {
    if (v[i] > best[i % 4]) best[i % 4] = v[i], at[i % 4] = i;
  }
  size_t lane = 0;
  for (size_t l = 1; l < 4; ++l) {
    if (best[l] > best[lane] || (best[l] == best[lane] && at[l] < at[lane])) lane = l;
  }
  return at[lane];
}

void Sampler::Penalize() {
  if (params_.repeat_penalty == 1.0f) return;
  std::vector<int32_t> seen(recent_.begin(), recent_.end());
  std::sort(seen.begin(), seen.end());
  seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
  for (int32_t id : seen) {
    if (id < 0 || static_cast<size_t>(id) >= candidates_.size()) continue;
    float& l = candidates_[id].logit;
    l = l <= 0 ? l * params_.repeat_penalty : l / params_.repeat_penalty;
  }
}

// Softmax of the candidates (highest first) into probs_.
void Sampler::Softmax() {
  probs_.resize(candidates_.size());
  double sum = 0;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    probs_[i] = std::exp(static_cast<double>(candidates_[i].logit - candidates_[0].logit));
    sum += probs_[i];
  }
  for (double& p : probs_) p /= sum;
}

int32_t Sampler::Sample(std::span<const float> logits) {
  if (params_.temperature == 0 && params_.repeat_penalty == 1.0f && !logits.empty()) {
    return static_cast<int32_t>(FirstOfTheLargest(logits));
  }
  if (params_.temperature == 0) {  // greedy after the penalty: the first of the largest
    candidates_.resize(logits.size());
    for (size_t i = 0; i < logits.size(); ++i)
      candidates_[i] = {static_cast<int32_t>(i), logits[i]};
    Penalize();
    size_t best = 0;
    for (size_t i = 1; i < candidates_.size(); ++i) {
      if (candidates_[i].logit > candidates_[best].logit) best = i;
    }
    return candidates_[best].id;
  }
  std::span<const TokenProb> dist = Distribution(logits);
  double u = NextUniform();
  for (const TokenProb& t : dist) {
    if (u < t.p) return t.id;
    u -= t.p;
  }
  return dist.back().id;
}

std::span<const Sampler::TokenProb> Sampler::Distribution(std::span<const float> logits) {
  candidates_.resize(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) candidates_[i] = {static_cast<int32_t>(i), logits[i]};
  Penalize();
  auto by_logit = [](const Candidate& a, const Candidate& b) {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
  };
  size_t keep = candidates_.size();
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < keep) keep = params_.top_k;
  std::partial_sort(candidates_.begin(), candidates_.begin() + keep, candidates_.end(), by_logit);
  candidates_.resize(keep);
  // top-p and min-p on the probabilities of what top-k left (highest first).
  Softmax();
  if (params_.top_p < 1.0f) {
    double cum = 0;
    size_t n = 0;
    while (n < candidates_.size()) {
      cum += probs_[n++];
      if (cum >= params_.top_p) break;
    }
    candidates_.resize(std::max<size_t>(1, n));
  }
  if (params_.min_p > 0) {
    size_t n = 1;
    while (n < candidates_.size() && probs_[n] >= params_.min_p * probs_[0]) ++n;
    candidates_.resize(n);
  }
  const float temperature = params_.temperature > 0 ? params_.temperature : 1.0f;
  for (Candidate& c : candidates_) c.logit /= temperature;
  Softmax();
  distribution_.resize(candidates_.size());
  for (size_t i = 0; i < candidates_.size(); ++i) distribution_[i] = {candidates_[i].id, probs_[i]};
  return distribution_;
}

}  // namespace gw::engine
