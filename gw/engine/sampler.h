// Sampler: picks the next token from logits. Greedy when temperature is 0; otherwise, in
// llama.cpp's order: repetition penalty, top-k, top-p, min-p, temperature, then a draw from a
// seeded generator, so a seed repeats its output.
//
// Thread-safety: one sampler per generation; not shared.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include "gw/base/result.h"

namespace gw::engine {

struct SamplingParams {
  float temperature = 0.8f;     // 0: greedy
  int32_t top_k = 40;           // 0: off
  float top_p = 0.95f;          // 1: off
  float min_p = 0.05f;          // 0: off
  float repeat_penalty = 1.0f;  // 1: off
  int32_t repeat_last_n = 64;   // tokens the penalty looks back on
  uint64_t seed = 0;

  static SamplingParams Greedy() {
    SamplingParams p;
    p.temperature = 0;
    return p;
  }
  // A person-readable complaint about an out-of-range value, or empty.
  Status Validate() const;
};

class Sampler {
 public:
  struct Candidate {
    int32_t id;
    float logit;
  };
  struct TokenProb {
    int32_t id;
    double p;
  };

  explicit Sampler(const SamplingParams& params);
  // Chooses a token; `logits` has one entry per vocabulary token.
  int32_t Sample(std::span<const float> logits);
  // What a draw (temperature > 0) chooses from: the tokens left after the penalty, top-k,
  // top-p and min-p, likeliest first, with their probabilities at the temperature (summing
  // to 1). Valid until the next call. `logits` not empty.
  std::span<const TokenProb> Distribution(std::span<const float> logits);
  // Records a token of the context (prompt or generated) for the repetition penalty.
  void Accept(int32_t token);
  // Greedy's choice: the first index of the largest value (NaNs passed over). `v` not empty.
  static size_t FirstOfTheLargest(std::span<const float> v);

 private:
  double NextUniform();  // [0, 1)

  SamplingParams params_;
  uint64_t state_;
  void Penalize();
  void Softmax();

  std::deque<int32_t> recent_;
  std::vector<Candidate> candidates_;
  std::vector<double> probs_;
  std::vector<TokenProb> distribution_;
};

}  // namespace gw::engine
