#include "gw/engine/synth.h"

#include <cmath>
#include <cstring>
#include <unordered_set>

#include "gw/engine/quant.h"

namespace gw::engine {
namespace {

// Common English words; their prefixes become pieces so that text tokenizes into words.
constexpr const char* kWords[] = {
    "the",    "of",        "and",       "to",        "in",     "is",      "that",    "it",
    "was",    "for",       "on",        "are",       "as",     "with",    "his",     "they",
    "at",     "be",        "this",      "from",      "have",   "or",      "by",      "one",
    "had",    "not",       "but",       "what",      "all",    "were",    "when",    "we",
    "there",  "can",       "an",        "your",      "which",  "their",   "said",    "if",
    "do",     "will",      "each",      "about",     "how",    "up",      "out",     "them",
    "then",   "she",       "many",      "some",      "so",     "these",   "would",   "other",
    "into",   "has",       "more",      "her",       "two",    "like",    "him",     "see",
    "time",   "could",     "no",        "make",      "than",   "first",   "been",    "its",
    "who",    "now",       "people",    "my",        "made",   "over",    "did",     "down",
    "only",   "way",       "find",      "use",       "may",    "water",   "long",    "little",
    "very",   "after",     "words",     "called",    "just",   "where",   "most",    "know",
    "get",    "through",   "back",      "much",      "before", "go",      "good",    "new",
    "write",  "our",       "used",      "me",        "man",    "too",     "any",     "day",
    "same",   "right",     "look",      "think",     "also",   "around",  "another", "came",
    "come",   "work",      "three",     "word",      "must",   "because", "does",    "part",
    "even",   "place",     "well",      "such",      "here",   "take",    "why",     "things",
    "help",   "put",       "years",     "different", "away",   "again",   "off",     "went",
    "old",    "number",    "great",     "tell",      "men",    "say",     "small",   "every",
    "found",  "still",     "between",   "name",      "should", "home",    "big",     "give",
    "air",    "line",      "set",       "own",       "under",  "read",    "last",    "never",
    "us",     "left",      "end",       "along",     "while",  "might",   "next",    "sound",
    "below",  "saw",       "something", "thought",   "both",   "few",     "those",   "always",
    "show",   "large",     "often",     "together",  "asked",  "house",   "world",   "going",
    "want",   "school",    "important", "until",     "form",   "food",    "keep",    "children",
    "feet",   "land",      "side",      "without",   "boy",    "once",    "animals", "life",
    "enough", "took",      "sometimes", "four",      "head",   "above",   "kind",    "began",
    "almost", "live",      "page",      "got",       "earth",  "need",    "far",     "hand",
    "high",   "year",      "mother",    "light",     "parts",  "country", "father",  "let",
    "night",  "following", "picture",   "being",     "study",  "second",  "eyes",    "soon",
    "times",  "story",     "boys",      "since",     "white",  "days",    "ever",    "paper",
    "hard",   "near",      "sentence",  "better",    "best",   "across",  "during",  "today",
    "others", "however",   "sure",      "means",     "knew",   "try",     "told",    "young",
    "model",  "token",     "edge",      "gateway",   "device", "sensor",  "data",    "hello",
    "world"};

constexpr std::string_view kSpace = "\xe2\x96\x81";

class Rng {  // xoshiro256**, seeded by splitmix64
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& s : s_) {
      uint64_t z = (seed += 0x9e3779b97f4a7c15ull);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      s = z ^ (z >> 31);
    }
  }
  uint64_t Next() {
    uint64_t result = Rotl(s_[1] * 5, 7) * 9, t = s_[1] << 17;
    s_[2] ^= s_[0], s_[3] ^= s_[1], s_[1] ^= s_[2], s_[0] ^= s_[3], s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  float Uniform(float a) {  // in [-a, a)
    return (static_cast<float>(Next() >> 40) * 0x1.0p-24f * 2.0f - 1.0f) * a;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

std::string Encode(TensorType type, const std::vector<float>& v) {
  std::string out;
  switch (type) {
    case TensorType::kF32:
      out.assign(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
      break;
    case TensorType::kF16:
      out.resize(v.size() * 2);
      for (size_t i = 0; i < v.size(); ++i) {
        uint16_t h = Fp32ToFp16(v[i]);
        std::memcpy(&out[i * 2], &h, 2);
      }
      break;
    case TensorType::kQ8_0:
      out.resize(v.size() / kBlock * sizeof(BlockQ8_0));
      QuantizeRowQ8_0(v.data(), reinterpret_cast<BlockQ8_0*>(out.data()), v.size());
      break;
    case TensorType::kQ4_0:
      out.resize(v.size() / kBlock * sizeof(BlockQ4_0));
      QuantizeRowQ4_0(v.data(), reinterpret_cast<BlockQ4_0*>(out.data()), v.size());
      break;
  }
  return out;
}

}  // namespace

SynthVocab SynthesizeVocab(uint32_t size) {
  SynthVocab v;
  std::unordered_set<std::string> seen;
  auto add = [&](std::string piece, int32_t type, float score) {
    if (v.tokens.size() >= size || !seen.insert(piece).second) return;
    v.tokens.push_back(std::move(piece));
    v.types.push_back(type);
    v.scores.push_back(score);
  };
  add("<unk>", 2, 0);
  add("<s>", 3, 0);
  add("</s>", 3, 0);
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) add(std::string("<0x") + kHex[b >> 4] + kHex[b & 15] + ">", 6, 0);
  // Normal pieces score by rank: earlier pieces merge first.
  auto piece = [&](std::string p) { add(std::move(p), 1, -static_cast<float>(v.tokens.size())); };
  piece(std::string(kSpace));
  for (char c = '!'; c <= '~'; ++c) piece(std::string(1, c));
  for (const char* word : kWords) {
    std::string w = std::string(kSpace) + word;
    for (size_t n = kSpace.size() + 1; n <= w.size(); ++n) piece(w.substr(0, n));
  }
  for (const char* word : kWords) {
    std::string w = word;
    for (size_t n = 2; n <= w.size(); ++n) piece(w.substr(0, n));
  }
  // Fill any remaining room with letter n-grams (each reachable by merging shorter ones).
  for (int len = 1; len <= 4 && v.tokens.size() < size; ++len) {
    uint64_t count = 1;
    for (int i = 0; i < len; ++i) count *= 26;
    for (uint64_t i = 0; i < count && v.tokens.size() < size; ++i) {
      std::string s;
      for (uint64_t x = i, k = 0; k < static_cast<uint64_t>(len); ++k, x /= 26)
        s.insert(s.begin(), static_cast<char>('a' + x % 26));
      if (len > 1) piece(s);
      piece(std::string(kSpace) + s);
    }
  }
  return v;
}

Status ValidateSynthOptions(const SynthOptions& o) {
  if (o.layers < 1 || o.layers > 512) return InvalidArgument("--layers must be 1..512");
  if (o.heads < 1 || o.dim % o.heads != 0)
    return InvalidArgument("--dim must be a multiple of --heads");
  if (o.kv_heads < 1 || o.heads % o.kv_heads != 0)
    return InvalidArgument("--heads must be a multiple of --kv-heads");
  if ((o.dim / o.heads) % 2 != 0)
    return InvalidArgument("the head size (--dim / --heads) must be even for RoPE");
  if (o.ff < 1) return InvalidArgument("--ff must be at least 1");
  if (o.vocab < 260)
    return InvalidArgument(
        "--vocab must be at least 260 (3 control tokens, 256 byte tokens, a space)");
  if (o.vocab > (1u << 20)) return InvalidArgument("--vocab must be at most 1048576");
  if (o.ctx < 1 || o.ctx > (1u << 20)) return InvalidArgument("--ctx must be 1..1048576");
  if (o.dim > 65536 || o.ff > 262144)
    return InvalidArgument("--dim (<= 65536) or --ff (<= 262144) is too large");
  if ((o.type == TensorType::kQ8_0 || o.type == TensorType::kQ4_0) &&
      (o.dim % kBlock != 0 || o.ff % kBlock != 0)) {
    return InvalidArgument(std::string("--type ") + std::string(TensorTypeName(o.type)) +
                           " stores rows in blocks of 32: --dim and --ff must be multiples of 32");
  }
  return OkStatus();
}

uint64_t SynthParameterCount(const SynthOptions& o) {
  uint64_t kv = static_cast<uint64_t>(o.dim / o.heads) * o.kv_heads;
  uint64_t layer = 2ull * o.dim + 2ull * o.dim * o.dim + 2ull * o.dim * kv + 3ull * o.dim * o.ff;
  return layer * o.layers + o.dim +
         static_cast<uint64_t>(o.vocab) * o.dim * (o.tied_output ? 1 : 2);
}

Result<std::string> SynthesizeModel(const SynthOptions& o) {
  GW_RETURN_IF_ERROR(ValidateSynthOptions(o));
  GgufWriter w;
  const uint32_t kv_dim = o.dim / o.heads * o.kv_heads;
  w.SetString("general.architecture", "llama");
  w.SetString("general.name", "edgegw-synth");
  uint32_t file_type = o.type == TensorType::kF32    ? 0
                       : o.type == TensorType::kF16  ? 1
                       : o.type == TensorType::kQ4_0 ? 2
                                                     : 7;
  w.SetUint32("general.file_type", file_type);
  w.SetUint32("llama.context_length", o.ctx);
  w.SetUint32("llama.embedding_length", o.dim);
  w.SetUint32("llama.block_count", o.layers);
  w.SetUint32("llama.feed_forward_length", o.ff);
  w.SetUint32("llama.attention.head_count", o.heads);
  w.SetUint32("llama.attention.head_count_kv", o.kv_heads);
  w.SetUint32("llama.rope.dimension_count", o.dim / o.heads);
  w.SetFloat32("llama.rope.freq_base", o.rope_base);
  w.SetFloat32("llama.attention.layer_norm_rms_epsilon", o.rms_eps);
  w.SetUint32("llama.vocab_size", o.vocab);
  SynthVocab vocab = SynthesizeVocab(o.vocab);
  w.SetString("tokenizer.ggml.model", "llama");
  w.SetStringArray("tokenizer.ggml.tokens", vocab.tokens);
  w.SetFloat32Array("tokenizer.ggml.scores", vocab.scores);
  w.SetInt32Array("tokenizer.ggml.token_type", vocab.types);
  w.SetUint32("tokenizer.ggml.unknown_token_id", 0);
  w.SetUint32("tokenizer.ggml.bos_token_id", 1);
  w.SetUint32("tokenizer.ggml.eos_token_id", 2);

  Rng rng(o.seed);
  auto matrix = [&](const std::string& name, uint32_t cols, uint32_t rows, float scale) -> Status {
    std::vector<float> v(static_cast<size_t>(cols) * rows);
    for (float& x : v) x = rng.Uniform(scale);
    return w.AddTensor(name, {cols, rows}, o.type, Encode(o.type, v));
  };
  auto norm = [&](const std::string& name) -> Status {
    std::vector<float> v(o.dim);
    for (float& x : v) x = 1.0f + rng.Uniform(0.2f);
    return w.AddTensor(name, {o.dim}, TensorType::kF32, Encode(TensorType::kF32, v));
  };
  const float in_dim = std::sqrt(3.0f / static_cast<float>(o.dim));
  const float in_ff = std::sqrt(3.0f / static_cast<float>(o.ff));
  GW_RETURN_IF_ERROR(matrix("token_embd.weight", o.dim, o.vocab, 1.0f));
  for (uint32_t i = 0; i < o.layers; ++i) {
    std::string b = "blk." + std::to_string(i) + ".";
    GW_RETURN_IF_ERROR(norm(b + "attn_norm.weight"));
    GW_RETURN_IF_ERROR(matrix(b + "attn_q.weight", o.dim, o.dim, in_dim));
    GW_RETURN_IF_ERROR(matrix(b + "attn_k.weight", o.dim, kv_dim, in_dim));
    GW_RETURN_IF_ERROR(matrix(b + "attn_v.weight", o.dim, kv_dim, in_dim));
    GW_RETURN_IF_ERROR(matrix(b + "attn_output.weight", o.dim, o.dim, in_dim));
    GW_RETURN_IF_ERROR(norm(b + "ffn_norm.weight"));
    GW_RETURN_IF_ERROR(matrix(b + "ffn_gate.weight", o.dim, o.ff, in_dim));
    GW_RETURN_IF_ERROR(matrix(b + "ffn_up.weight", o.dim, o.ff, in_dim));
    GW_RETURN_IF_ERROR(matrix(b + "ffn_down.weight", o.ff, o.dim, in_ff));
  }
  GW_RETURN_IF_ERROR(norm("output_norm.weight"));
  if (!o.tied_output) GW_RETURN_IF_ERROR(matrix("output.weight", o.dim, o.vocab, in_dim));
  return w.Finish();
}

}  // namespace gw::engine
