#include "gw/engine/tokenizer.h"

#include <queue>

namespace gw::engine {
namespace {

constexpr std::string_view kSpace = "\xe2\x96\x81";  // U+2581, SentencePiece's space

// Bytes of the UTF-8 sequence that starts with `lead` (1 for stray continuation bytes).
size_t Utf8Length(uint8_t lead) {
  static constexpr uint8_t kLengths[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLengths[lead >> 4];
}

std::optional<bool> GetBool(const GgufFile& file, std::string_view key) {
  const GgufValue* v = file.Get(key);
  if (v == nullptr) return std::nullopt;
  if (const bool* b = std::get_if<bool>(&v->scalar)) return *b;
  return std::nullopt;
}

struct Symbol {
  int prev;
  int next;
  const char* text;
  size_t n;
};

struct Bigram {
  int left;
  int right;
  float score;
  size_t size;
  // Highest score first; among equal scores the leftmost.
  bool operator<(const Bigram& o) const {
    return score < o.score || (score == o.score && left > o.left);
  }
};

}  // namespace

Result<std::unique_ptr<Tokenizer>> Tokenizer::FromGguf(const GgufFile& file) {
  std::optional<std::string> model = file.GetString("tokenizer.ggml.model");
  if (!model) return InvalidArgument("metadata key 'tokenizer.ggml.model' is missing");
  if (*model != "llama") {
    return Unimplemented("tokenizer model '" + *model +
                         "' is not supported (only 'llama', SentencePiece)");
  }
  const GgufValue* tokens = file.Get("tokenizer.ggml.tokens");
  if (tokens == nullptr || tokens->type != 9 || tokens->array_type != 8 || tokens->array.empty()) {
    return InvalidArgument(
        "metadata key 'tokenizer.ggml.tokens' is missing or not a non-empty array of strings");
  }
  auto t = std::unique_ptr<Tokenizer>(new Tokenizer());
  size_t n = tokens->array.size();
  if (n > (1u << 24))
    return InvalidArgument("tokenizer.ggml.tokens has " + std::to_string(n) +
                           " entries (at most 16M)");
  t->tokens_.reserve(n);
  for (const GgufScalar& s : tokens->array) t->tokens_.push_back(std::get<std::string>(s));
  t->scores_.assign(n, 0.0f);
  t->types_.assign(n, TokenType::kNormal);
  if (const GgufValue* scores = file.Get("tokenizer.ggml.scores")) {
    if (scores->type != 9 || scores->array.size() != n) {
      return InvalidArgument("tokenizer.ggml.scores must be an array with one score per token (" +
                             std::to_string(n) + ")");
    }
    for (size_t i = 0; i < n; ++i) {
      const double* d = std::get_if<double>(&scores->array[i]);
      if (d == nullptr) return InvalidArgument("tokenizer.ggml.scores must hold floats");
      t->scores_[i] = static_cast<float>(*d);
    }
  }
  if (const GgufValue* types = file.Get("tokenizer.ggml.token_type")) {
    if (types->type != 9 || types->array.size() != n) {
      return InvalidArgument(
          "tokenizer.ggml.token_type must be an array with one type per token (" +
          std::to_string(n) + ")");
    }
    for (size_t i = 0; i < n; ++i) {
      int64_t v = -1;
      if (const int64_t* s = std::get_if<int64_t>(&types->array[i])) v = *s;
      if (const uint64_t* u = std::get_if<uint64_t>(&types->array[i])) v = static_cast<int64_t>(*u);
      if (v < 0 || v > 6)
        return InvalidArgument("tokenizer.ggml.token_type[" + std::to_string(i) +
                               "] is not a token type (0-6)");
      t->types_[i] = static_cast<TokenType>(v);
    }
  }
  for (size_t i = 0; i < n; ++i) t->ids_[t->tokens_[i]] = static_cast<int32_t>(i);
  auto id = [&](std::string_view key, int32_t fallback, int32_t* out) -> Status {
    std::optional<uint64_t> v = file.GetUint(key);
    if (!v) {
      *out = fallback;
      return OkStatus();
    }
    if (*v >= n)
      return InvalidArgument("metadata key '" + std::string(key) + "' = " + std::to_string(*v) +
                             " is not a token id (vocabulary of " + std::to_string(n) + ")");
    *out = static_cast<int32_t>(*v);
    return OkStatus();
  };
  GW_RETURN_IF_ERROR(id("tokenizer.ggml.bos_token_id", n > 1 ? 1 : 0, &t->bos_));
  GW_RETURN_IF_ERROR(id("tokenizer.ggml.eos_token_id", n > 2 ? 2 : 0, &t->eos_));
  GW_RETURN_IF_ERROR(id("tokenizer.ggml.unknown_token_id", 0, &t->unk_));
  GW_RETURN_IF_ERROR(id("tokenizer.ggml.eot_token_id", -1, &t->eot_));
  t->add_bos_ = GetBool(file, "tokenizer.ggml.add_bos_token").value_or(true);
  t->add_space_prefix_ = GetBool(file, "tokenizer.ggml.add_space_prefix").value_or(true);
  return t;
}

int32_t Tokenizer::ByteToken(uint8_t byte) const {
  static constexpr char kHex[] = "0123456789ABCDEF";
  char name[7] = {'<', '0', 'x', kHex[byte >> 4], kHex[byte & 15], '>', 0};
  auto it = ids_.find(name);
  if (it != ids_.end()) return it->second;
  it = ids_.find(std::string(1, static_cast<char>(byte)));
  return it != ids_.end() ? it->second : unk_;
}

void Tokenizer::Resegment(const std::string& piece, std::vector<int32_t>& out) const {
  auto it = ids_.find(piece);
  if (it != ids_.end()) {
    out.push_back(it->second);
    return;
  }
  // Merged pieces are always tokens, so this is a single character the vocabulary lacks.
  for (char c : piece) out.push_back(ByteToken(static_cast<uint8_t>(c)));
}

std::vector<int32_t> Tokenizer::Encode(std::string_view raw, bool add_bos) const {
  std::vector<int32_t> out;
  if (add_bos && add_bos_) out.push_back(bos_);
  if (raw.empty()) return out;
  std::string text;
  if (add_space_prefix_) text += kSpace;
  for (char c : raw) {
    if (c == ' ') {
      text += kSpace;
    } else {
      text += c;
    }
  }
  std::vector<Symbol> symbols;
  for (size_t offs = 0; offs < text.size();) {
    size_t len = std::min(text.size() - offs, Utf8Length(static_cast<uint8_t>(text[offs])));
    int index = static_cast<int>(symbols.size());
    symbols.push_back({index - 1, index + 1, text.data() + offs, len});
    offs += len;
  }
  symbols.back().next = -1;
  std::priority_queue<Bigram> queue;
  auto try_add = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    std::string joined(symbols[left].text, symbols[left].n + symbols[right].n);
    auto it = ids_.find(joined);
    if (it == ids_.end()) return;
    queue.push({left, right, scores_[it->second], joined.size()});
  };
  for (int i = 1; i < static_cast<int>(symbols.size()); ++i) try_add(i - 1, i);
  while (!queue.empty()) {
    Bigram b = queue.top();
    queue.pop();
    Symbol& left = symbols[b.left];
    Symbol& right = symbols[b.right];
    if (left.n == 0 || right.n == 0 || left.n + right.n != b.size) continue;  // outdated
    left.n += right.n;
    right.n = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = b.left;
    try_add(left.prev, b.left);
    try_add(b.left, left.next);
  }
  for (int i = 0; i != -1; i = symbols[i].next) {
    Resegment(std::string(symbols[i].text, symbols[i].n), out);
  }
  return out;
}

std::string Tokenizer::Piece(int32_t token) const {
  if (token < 0 || static_cast<size_t>(token) >= tokens_.size()) return {};
  const std::string& text = tokens_[token];
  switch (types_[token]) {
    case TokenType::kNormal:
    case TokenType::kUndefined:
    case TokenType::kUnused: {
      std::string out;
      for (size_t i = 0; i < text.size();) {
        if (text.compare(i, kSpace.size(), kSpace) == 0) {
          out += ' ';
          i += kSpace.size();
        } else {
          out += text[i++];
        }
      }
      return out;
    }
    case TokenType::kUserDefined:
      return text;
    case TokenType::kUnknown:
      return "\xe2\x96\x85";
    case TokenType::kControl:
      return {};
    case TokenType::kByte: {
      auto hex = [](char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
      };
      if (text.size() == 6 && text.starts_with("<0x") && text[5] == '>' && hex(text[3]) >= 0 &&
          hex(text[4]) >= 0) {
        return std::string(1, static_cast<char>(hex(text[3]) * 16 + hex(text[4])));
      }
      return text;
    }
  }
  return {};
}

std::string Tokenizer::Decode(const std::vector<int32_t>& tokens) const {
  std::string out;
  for (int32_t t : tokens) out += Piece(t);
  return out;
}

namespace {

// The length of the valid UTF-8 sequence at s[i], 0 if invalid, -1 if cut off by the end.
int SequenceAt(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t lead = b(i);
  int n = lead < 0x80                    ? 1
          : lead >= 0xc2 && lead <= 0xdf ? 2
          : lead >= 0xe0 && lead <= 0xef ? 3
          : lead >= 0xf0 && lead <= 0xf4 ? 4
                                         : 0;
  if (n <= 1) return n;
  for (int k = 1; k < n; ++k) {
    if (i + k >= s.size()) return -1;
    const uint8_t c = b(i + k);
    uint8_t lo = 0x80, hi = 0xbf;
    if (k == 1 && lead == 0xe0) lo = 0xa0;
    if (k == 1 && lead == 0xed) hi = 0x9f;
    if (k == 1 && lead == 0xf0) lo = 0x90;
    if (k == 1 && lead == 0xf4) hi = 0x8f;
    if (c < lo || c > hi) return 0;
  }
  return n;
}

}  // namespace

size_t Utf8CompletePrefix(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    int n = SequenceAt(s, i);
    if (n < 0) return i;
    i += n == 0 ? 1 : n;
  }
  return i;
}

std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    int n = SequenceAt(s, i);
    if (n > 0) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

}  // namespace gw::engine
