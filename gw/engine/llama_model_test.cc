// The model loader's checks, the tokenizer and the decoding loop on synthesized models.
#include "gw/engine/llama_model.h"

#include <gtest/gtest.h>

#include <cctype>

#include "gw/engine/generator.h"
#include "gw/engine/kernels/kernels.h"
#include "gw/engine/llama_session.h"
#include "gw/engine/synth.h"

namespace gw::engine {
namespace {

SynthOptions Small(TensorType type = TensorType::kQ8_0) {
  SynthOptions o;
  o.type = type;
  o.layers = 2;
  o.dim = 64;
  o.heads = 4;
  o.kv_heads = 2;
  o.ff = 96;
  o.vocab = 400;
  o.ctx = 64;
  return o;
}

std::string Synth(const SynthOptions& o) {
  Result<std::string> bytes = SynthesizeModel(o);
  EXPECT_TRUE(bytes.has_value()) << bytes.error().message();
  return *bytes;
}

TEST(LlamaModel, LoadsEverySynthesizedType) {
  for (TensorType t : {TensorType::kF32, TensorType::kF16, TensorType::kQ8_0, TensorType::kQ4_0}) {
    std::string bytes = Synth(Small(t));
    auto model = LlamaModel::Load(bytes);
    ASSERT_TRUE(model.has_value()) << model.error().message();
    EXPECT_EQ((*model)->params().n_head_kv, 2u);
    EXPECT_EQ((*model)->params().head_dim, 16u);
    EXPECT_EQ((*model)->weight_type_name(), TensorTypeName(t));
    EXPECT_EQ((*model)->parameter_count(), SynthParameterCount(Small(t)));
  }
}

// Rewrites one metadata key of an otherwise valid file and expects a named complaint.
void ExpectRejected(const std::string& edited_key, const std::function<void(GgufWriter&)>& edit,
                    const std::string& needle) {
  SynthOptions o = Small(TensorType::kF32);
  std::string bytes = Synth(o);
  Result<GgufFile> f = ParseGguf(bytes);
  ASSERT_TRUE(f.has_value());
  GgufWriter w;
  for (const auto& [key, v] : f->metadata) {
    if (key == "general.alignment" || key == edited_key) continue;
    if (v.type == 4) w.SetUint32(key, static_cast<uint32_t>(std::get<uint64_t>(v.scalar)));
    if (v.type == 6) w.SetFloat32(key, static_cast<float>(std::get<double>(v.scalar)));
    if (v.type == 8) w.SetString(key, std::get<std::string>(v.scalar));
  }
  SynthVocab vocab = SynthesizeVocab(o.vocab);
  w.SetStringArray("tokenizer.ggml.tokens", vocab.tokens);
  edit(w);
  for (const TensorInfo& t : f->tensors) {
    ASSERT_TRUE(w.AddTensor(t.name, t.dims, t.type, std::string(t.data)).has_value());
  }
  std::string edited = w.Finish();
  auto model = LlamaModel::Load(edited);
  ASSERT_FALSE(model.has_value()) << "expected: " << needle;
  EXPECT_NE(model.error().message().find(needle), std::string::npos) << model.error().message();
}

TEST(LlamaModel, RejectsBadMetadataWithTheKeyNamed) {
  ExpectRejected(
      "general.architecture", [](GgufWriter& w) { w.SetString("general.architecture", "gpt2"); },
      "architecture 'gpt2'");
  ExpectRejected(
      "llama.attention.head_count",
      [](GgufWriter& w) { w.SetUint32("llama.attention.head_count", 5); },
      "not a multiple of llama.attention.head_count");
  ExpectRejected(
      "llama.attention.head_count_kv",
      [](GgufWriter& w) { w.SetUint32("llama.attention.head_count_kv", 3); }, "head_count_kv");
  ExpectRejected(
      "llama.block_count", [](GgufWriter& w) { w.SetUint32("llama.block_count", 3); },
      "tensor 'blk.2.attn_norm.weight' is missing");
  ExpectRejected(
      "llama.embedding_length", [](GgufWriter& w) { w.SetUint32("llama.embedding_length", 0); },
      "llama.embedding_length");
  ExpectRejected(
      "llama.attention.layer_norm_rms_epsilon",
      [](GgufWriter& w) { w.SetFloat32("llama.attention.layer_norm_rms_epsilon", -1); },
      "layer_norm_rms_epsilon");
  ExpectRejected(
      "tokenizer.ggml.bos_token_id",
      [](GgufWriter& w) { w.SetUint32("tokenizer.ggml.bos_token_id", 9999); }, "not a token id");
  ExpectRejected(
      "tokenizer.ggml.model", [](GgufWriter& w) { w.SetString("tokenizer.ggml.model", "gpt2"); },
      "tokenizer model 'gpt2'");
  ExpectRejected(
      "llama.feed_forward_length",
      [](GgufWriter& w) { w.SetUint32("llama.feed_forward_length", 97); },
      "blk.0.ffn_gate.weight' has shape");
}

TEST(LlamaModel, RejectsMissingTensorsAndFilesThatAreNotModels) {
  EXPECT_FALSE(LlamaModel::Load("GGUF").has_value());
  GgufWriter w;
  w.SetString("general.architecture", "llama");
  std::string bytes = w.Finish();
  auto model = LlamaModel::Load(bytes);
  ASSERT_FALSE(model.has_value());
  EXPECT_NE(model.error().message().find("llama.embedding_length"), std::string::npos);
}

TEST(Synth, ValidatesShapes) {
  SynthOptions o = Small();
  o.dim = 72;  // not whole Q8_0 blocks
  EXPECT_FALSE(ValidateSynthOptions(o).has_value());
  o.type = TensorType::kF32;
  EXPECT_TRUE(ValidateSynthOptions(o).has_value());
  o.heads = 5;
  EXPECT_FALSE(ValidateSynthOptions(o).has_value());
  o = Small();
  o.vocab = 100;
  EXPECT_NE(ValidateSynthOptions(o).error().message().find("--vocab"), std::string::npos);
  EXPECT_EQ(*SynthesizeModel(Small()), *SynthesizeModel(Small()));  // deterministic
}

TEST(Tokenizer, MergesWordsFallsBackToBytesAndDecodesBack) {
  std::string bytes = Synth(Small());
  auto model = LlamaModel::Load(bytes);
  ASSERT_TRUE(model.has_value());
  const Tokenizer& tok = (*model)->tokenizer();
  std::vector<int32_t> ids = tok.Encode("the world", true);
  ASSERT_GE(ids.size(), 2u);
  EXPECT_EQ(ids[0], tok.bos());
  EXPECT_EQ(tok.Text(ids[1]), "\xe2\x96\x81the");
  EXPECT_EQ(tok.Decode(ids), " the world");
  std::vector<int32_t> emoji = tok.Encode("\xf0\x9f\x9a\x80", false);  // not in the vocabulary
  ASSERT_EQ(emoji.size(), 5u);  // the space piece, then 4 byte tokens
  EXPECT_EQ(tok.Decode(emoji), " \xf0\x9f\x9a\x80");
  EXPECT_TRUE(tok.Encode("", false).empty());
}

struct Loaded {
  std::string bytes;
  std::unique_ptr<LlamaModel> model;
  ComputePool pool{2};
  std::unique_ptr<LlamaSession> session;
  explicit Loaded(SynthOptions o) : bytes(Synth(o)) {
    model = std::move(*LlamaModel::Load(bytes));
    session = std::move(*LlamaSession::Create(*model, pool, BestKernels(), 0));
  }
};

// The paths tables like simd128 take: a KV cache kept in floats (attn_dots_f32) holds the
// halves' values, and Q4_0 scales kept as floats (tile_q4_0_scaled) are the halves' values,
// so every logit is the generic table's: over a prompt batch, single tokens, and past the
// first 256-position segment of V.
TEST(LlamaSession, FloatKvCacheAndScalesGiveTheGenericLogits) {
  SynthOptions o = Small(TensorType::kQ4_0);
  o.dim = 96;
  o.heads = 8;  // head_dim 12: keys with leftovers past the last whole step
  o.ctx = 320;
  const std::string bytes = Synth(o);
  auto model = LlamaModel::Load(bytes, {.repack_q4_0 = false, .q4_0_float_scales = false});
  auto wasm_like = LlamaModel::Load(bytes, {.repack_q4_0 = false, .q4_0_float_scales = true});
  ASSERT_TRUE(model.has_value() && wasm_like.has_value());
  EXPECT_EQ((*model)->owned_bytes(), 0u);
  // One float per Q4_0 block of every matrix (the output is tied: token_embd's blocks).
  const LlamaParams& p = (*model)->params();
  const uint64_t blocks = (static_cast<uint64_t>(p.n_vocab) * p.n_embd +
                           p.n_layer * (2ull * p.n_embd * p.n_embd + 2ull * p.n_embd * p.kv_dim() +
                                        3ull * p.n_embd * p.n_ff)) /
                          kBlock;
  EXPECT_EQ((*wasm_like)->owned_bytes(), blocks * sizeof(float));
  ComputePool pool(2);
  auto halves = LlamaSession::Create(**model, pool, GenericKernels(), 0);
  auto floats = LlamaSession::Create(**wasm_like, pool, GenericWasmLikeKernels(), 0);
  ASSERT_TRUE(halves.has_value() && floats.has_value());
  EXPECT_EQ((*floats)->kv_cache_bytes(), 2 * (*halves)->kv_cache_bytes());
  std::vector<int32_t> prompt(100);
  for (size_t i = 0; i < prompt.size(); ++i) prompt[i] = static_cast<int32_t>(3 + i * 7 % 390);
  auto a = (*halves)->Eval(prompt);
  ASSERT_TRUE(a.has_value());
  std::vector<float> want(a->begin(), a->end());
  auto b = (*floats)->Eval(prompt);
  ASSERT_TRUE(b.has_value());
  ASSERT_EQ(want, std::vector<float>(b->begin(), b->end()));
  for (int32_t t = 0; t < 200; ++t) {
    const int32_t token = 5 + t % 300;
    auto x = (*halves)->Eval({&token, 1});
    ASSERT_TRUE(x.has_value());
    want.assign(x->begin(), x->end());
    auto y = (*floats)->Eval({&token, 1});
    ASSERT_TRUE(y.has_value());
    ASSERT_EQ(want, std::vector<float>(y->begin(), y->end())) << "token " << t;
  }
}

TEST(Generate, StopsAtMaxTokensAndRepeatsGreedily) {
  Loaded a(Small()), b(Small());
  GenerateOptions o;
  o.max_tokens = 12;
  o.sampling = SamplingParams::Greedy();
  o.ignore_eos = true;
  std::vector<int32_t> prompt = {1, 300, 301};
  auto r1 = Generate(*a.session, prompt, o);
  auto r2 = Generate(*b.session, prompt, o);
  ASSERT_TRUE(r1.has_value() && r2.has_value());
  EXPECT_EQ(r1->tokens.size(), 12u);
  EXPECT_EQ(r1->tokens, r2->tokens);
  EXPECT_EQ(r1->stop_reason, StopReason::kLength);
  EXPECT_EQ(a.session->n_past(), 3u + 11u);
}

TEST(Generate, SeededSamplingRepeatsAndCancellationStops) {
  Loaded a(Small());
  GenerateOptions o;
  o.max_tokens = 20;
  o.ignore_eos = true;
  o.sampling.temperature = 1.0f;
  o.sampling.seed = 42;
  std::vector<int32_t> prompt = {1, 300};
  auto r1 = Generate(*a.session, prompt, o);
  a.session->Truncate(0);
  auto r2 = Generate(*a.session, prompt, o);
  ASSERT_TRUE(r1.has_value() && r2.has_value());
  EXPECT_EQ(r1->tokens, r2->tokens);
  a.session->Truncate(0);
  int seen = 0;
  auto r3 = Generate(*a.session, prompt, o, [&](int32_t, std::string_view) { return ++seen < 3; });
  ASSERT_TRUE(r3.has_value());
  EXPECT_EQ(r3->stop_reason, StopReason::kCancelled);
  EXPECT_EQ(r3->tokens.size(), 3u);
}

TEST(Generate, RejectsBadInputAndReportsAFullContext) {
  Loaded a(Small());
  GenerateOptions o;
  o.sampling = SamplingParams::Greedy();
  o.ignore_eos = true;
  EXPECT_EQ(Generate(*a.session, std::vector<int32_t>{1, 5000}, o).error().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Generate(*a.session, std::vector<int32_t>{}, o).error().code(), Code::kInvalidArgument);
  o.sampling.top_p = 2;
  EXPECT_EQ(Generate(*a.session, std::vector<int32_t>{1}, o).error().code(),
            Code::kInvalidArgument);
  o.sampling = SamplingParams::Greedy();
  o.max_tokens = 1000;  // more than the 64-token context
  auto r = Generate(*a.session, std::vector<int32_t>{1, 2, 3}, o);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->stop_reason, StopReason::kContextFull);
  EXPECT_EQ(a.session->n_past(), 64u);
  EXPECT_EQ(a.session->Eval(std::vector<int32_t>{1}).error().code(), Code::kResourceExhausted);
}

TEST(Generate, StopStringsCutTheTextAndAreNeverStreamed) {
  Loaded a(Small());
  GenerateOptions o;
  o.sampling = SamplingParams::Greedy();
  o.ignore_eos = true;
  o.max_tokens = 24;
  auto full = Generate(*a.session, std::vector<int32_t>{1, 300}, o);
  ASSERT_TRUE(full.has_value());
  ASSERT_GE(full->text.size(), 4u);
  size_t at = 2;  // a stop string of two ASCII letters from the middle of the text
  while (at + 1 < full->text.size() &&
         !(std::isalpha(static_cast<unsigned char>(full->text[at])) &&
           std::isalpha(static_cast<unsigned char>(full->text[at + 1])))) {
    ++at;
  }
  ASSERT_LT(at + 1, full->text.size());
  std::string stop = full->text.substr(at, 2);
  a.session->Truncate(0);
  o.stop = {stop};
  std::string streamed;
  auto cut =
      Generate(*a.session, std::vector<int32_t>{1, 300}, o, [&](int32_t, std::string_view piece) {
        streamed += piece;
        return true;
      });
  ASSERT_TRUE(cut.has_value());
  EXPECT_EQ(cut->stop_reason, StopReason::kStopString);
  EXPECT_EQ(cut->text, full->text.substr(0, full->text.find(stop)));
  EXPECT_EQ(streamed, cut->text);
}

}  // namespace
}  // namespace gw::engine
