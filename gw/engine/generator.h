// Generate: the decoding loop. Evaluates the prompt (prefill), then samples, streams and
// evaluates one token at a time until a stop condition: max_tokens, an end-of-generation
// token (unless ignore_eos), a stop string in the text, the context's end, or the callback
// asking to stop (cancellation).
//
// Thread-safety: runs on the calling thread (a compute thread, never an I/O one); the session
// is used by this call alone while it runs.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gw/base/result.h"
#include "gw/engine/llama_session.h"
#include "gw/engine/sampler.h"

namespace gw::engine {

struct GenerateOptions {
  int32_t max_tokens = 128;
  SamplingParams sampling;
  bool ignore_eos = false;
  std::vector<std::string> stop;  // stop strings; the text ends before the first one
};

enum class StopReason { kLength, kEndOfGeneration, kStopString, kContextFull, kCancelled };
std::string_view StopReasonName(StopReason r);  // "length", "eos", "stop", "context", "cancelled"

struct GenerateResult {
  std::vector<int32_t> tokens;  // generated ids
  std::string text;             // their text (cut before a stop string), valid UTF-8
  StopReason stop_reason = StopReason::kLength;
  uint32_t prompt_tokens = 0;
  double prefill_ms = 0;  // the prompt's forward pass
  double decode_ms = 0;   // from the first sampled token's evaluation to the last
  // The part of decode_ms spent in the single-token forward passes (sampling and text left
  // out): what llama.cpp's own "eval time" counts, so the two compare by one boundary.
  double decode_eval_ms = 0;
};

// Called with each new token and the text it completes (whole UTF-8 characters; may be
// empty); returning false stops generation (cancelled).
using TokenSink = std::function<bool(int32_t token, std::string_view piece)>;

// Continues `session` (which may hold an earlier conversation) with `prompt`.
Result<GenerateResult> Generate(LlamaSession& session, std::span<const int32_t> prompt,
                                const GenerateOptions& options, const TokenSink& sink = nullptr);

}  // namespace gw::engine
