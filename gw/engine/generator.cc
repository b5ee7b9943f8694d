#include "gw/engine/generator.h"

#include <chrono>

namespace gw::engine {
namespace {

double MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

std::string_view StopReasonName(StopReason r) {
  switch (r) {
    case StopReason::kLength:
      return "length";
    case StopReason::kEndOfGeneration:
      return "eos";
    case StopReason::kStopString:
      return "stop";
    case StopReason::kContextFull:
      return "context";
    case StopReason::kCancelled:
      return "cancelled";
  }
  return "?";
}

Result<GenerateResult> Generate(LlamaSession& session, std::span<const int32_t> prompt,
                                const GenerateOptions& options, const TokenSink& sink) {
  if (prompt.empty()) return InvalidArgument("the prompt has no tokens");
  if (options.max_tokens < 0) return InvalidArgument("max_tokens must be 0 or more");
  GW_RETURN_IF_ERROR(options.sampling.Validate());
  const Tokenizer& tok = session.model().tokenizer();
  GenerateResult result;
  result.prompt_tokens = static_cast<uint32_t>(prompt.size());
  Sampler sampler(options.sampling);
  for (int32_t t : prompt) sampler.Accept(t);

  auto start = std::chrono::steady_clock::now();
  GW_ASSIGN_OR_RETURN(std::span<const float> logits, session.Eval(prompt));
  result.prefill_ms = MsSince(start);
  start = std::chrono::steady_clock::now();
  size_t text_held = 0;  // bytes of text not yet streamed (may start a stop string)
  for (int32_t i = 0; i < options.max_tokens; ++i) {
    int32_t token = sampler.Sample(logits);
    if (!options.ignore_eos && tok.IsEndOfGeneration(token)) {
      result.stop_reason = StopReason::kEndOfGeneration;
      break;
    }
    result.tokens.push_back(token);
    sampler.Accept(token);
    std::string piece = tok.Piece(token);
    result.text += piece;
    bool stopped = false;
    for (const std::string& s : options.stop) {
      size_t at = s.empty() ? std::string::npos : result.text.find(s);
      if (at != std::string::npos) {
        result.text.resize(at);
        stopped = true;
      }
    }
    if (sink) {
      // Stream what cannot be the start of a stop string any more, in whole characters.
      size_t safe = Utf8CompletePrefix(result.text);
      if (!stopped) {
        for (const std::string& s : options.stop) {
          for (size_t k = std::min(s.size() - (s.empty() ? 0 : 1), result.text.size()); k > 0;
               --k) {
            if (result.text.compare(result.text.size() - k, k, s, 0, k) == 0) {
              safe = std::min(safe, result.text.size() - k);
              break;
            }
          }
        }
      }
      std::string out =
          safe > text_held
              ? ValidUtf8(std::string_view(result.text).substr(text_held, safe - text_held))
              : std::string();
      text_held = std::max(text_held, safe);
      if (!sink(token, out)) {
        result.stop_reason = StopReason::kCancelled;
        break;
      }
    }
    if (stopped) {
      result.stop_reason = StopReason::kStopString;
      break;
    }
    if (i + 1 == options.max_tokens) break;
    if (session.n_past() >= session.n_ctx()) {
      result.stop_reason = StopReason::kContextFull;
      break;
    }
    const auto eval_start = std::chrono::steady_clock::now();
    GW_ASSIGN_OR_RETURN(logits, session.Eval(std::span<const int32_t>(&token, 1)));
    result.decode_eval_ms += MsSince(eval_start);
  }
  result.decode_ms = MsSince(start);
  result.text = ValidUtf8(result.text);
  return result;
}

}  // namespace gw::engine
