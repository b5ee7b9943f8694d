// Synthesized llama models: a GGUF file with seeded random weights and a SentencePiece-style
// vocabulary (control tokens, the 256 byte tokens, then characters and English word pieces),
// for tests and benchmarks that need no downloaded weights. llama.cpp loads these files.
//
// The weights are scaled so that activations stay in half-float range through any depth:
// matrices uniform in +-sqrt(3 / fan_in), norms near 1, embeddings in +-1.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gw/base/result.h"
#include "gw/engine/gguf.h"

namespace gw::engine {

struct SynthOptions {
  TensorType type = TensorType::kQ8_0;
  uint32_t layers = 2;
  uint32_t dim = 64;
  uint32_t heads = 4;
  uint32_t kv_heads = 4;
  uint32_t ff = 128;
  uint32_t vocab = 512;
  uint32_t ctx = 256;
  uint64_t seed = 1;
  bool tied_output = false;  // no output.weight: the embeddings are reused
  float rope_base = 10000.0f;
  float rms_eps = 1e-5f;
};

// Checks the shape (each message names the flag to change).
Status ValidateSynthOptions(const SynthOptions& o);
// The whole GGUF file.
Result<std::string> SynthesizeModel(const SynthOptions& o);
// The vocabulary alone (pieces and scores), for tokenizer tests.
struct SynthVocab {
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;
};
SynthVocab SynthesizeVocab(uint32_t size);
// Parameters of a shape (for naming benchmark models by size).
uint64_t SynthParameterCount(const SynthOptions& o);

}  // namespace gw::engine
