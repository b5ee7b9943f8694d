// Tokenizer: the vocabulary a GGUF file describes (tokenizer.ggml.*), with SentencePiece-style
// `llama` encoding as llama.cpp does it: a space is prefixed (add_space_prefix), spaces become
// U+2581, the text is split into UTF-8 characters, and adjacent pieces are merged while their
// concatenation is a vocabulary token, highest score first (leftmost on ties). A piece that is
// not a token is split back along its merges, and what remains unknown becomes byte tokens
// <0xXX>.
//
// Thread-safety: immutable after construction.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gw/base/result.h"
#include "gw/engine/gguf.h"

namespace gw::engine {

// SentencePiece token types, as GGUF stores them (tokenizer.ggml.token_type).
enum class TokenType : int32_t {
  kUndefined = 0, kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5,
  kByte = 6,
};

class Tokenizer {
 public:
  // Reads tokenizer.ggml.{model,tokens,scores,token_type,bos/eos/unknown_token_id,
  // add_bos_token,add_space_prefix}. Only model "llama" is supported.
  static Result<std::unique_ptr<Tokenizer>> FromGguf(const GgufFile& file);

  // Encodes `text`; prepends BOS when add_bos and the vocabulary says so.
  std::vector<int32_t> Encode(std::string_view text, bool add_bos) const;
  // The bytes a token stands for in generated text (control tokens: empty).
  std::string Piece(int32_t token) const;
  std::string Decode(const std::vector<int32_t>& tokens) const;

  size_t size() const { return tokens_.size(); }
  int32_t bos() const { return bos_; }
  int32_t eos() const { return eos_; }
  bool add_bos() const { return add_bos_; }
  // True for end-of-generation tokens (EOS and EOT).
  bool IsEndOfGeneration(int32_t token) const { return token == eos_ || token == eot_; }
  const std::string& Text(int32_t token) const { return tokens_[token]; }

 private:
  Tokenizer() = default;
  void Resegment(const std::string& piece, std::vector<int32_t>& out) const;
  int32_t ByteToken(uint8_t byte) const;

  std::vector<std::string> tokens_;
  std::vector<float> scores_;
  std::vector<TokenType> types_;
  std::unordered_map<std::string, int32_t> ids_;
  int32_t bos_ = 1, eos_ = 2, eot_ = -1, unk_ = 0;
  bool add_bos_ = true;
  bool add_space_prefix_ = true;
};

}  // namespace gw::engine
