#include "gw/engine/model_manager.h"

#include <gtest/gtest.h>

#include "gw/engine/synth.h"

namespace gw::engine {
namespace {

class StringBytes final : public ModelBytes {
 public:
  explicit StringBytes(std::string s) : s_(std::move(s)) {}
  std::string_view bytes() const override { return s_; }

 private:
  std::string s_;
};

// Models synthesized in memory, opened by name ("a", "b", "big"); counts opens.
struct Files {
  std::map<std::string, std::string> bytes;
  int opens = 0;
  ModelOpener Opener() {
    return [this](const std::string& path) -> Result<std::unique_ptr<ModelBytes>> {
      ++opens;
      auto it = bytes.find(path);
      if (it == bytes.end()) return NotFound(path + ": no such file");
      return std::unique_ptr<ModelBytes>(new StringBytes(it->second));
    };
  }
};

std::string Synth(uint32_t dim, uint64_t seed) {
  SynthOptions o;
  o.dim = dim;
  o.ff = 2 * dim;
  o.seed = seed;
  o.ctx = 64;
  return *SynthesizeModel(o);
}

TEST(ModelManager, LoadsOnFirstUseEvictsTheLeastRecentAndCaches) {
  Files f;
  f.bytes = {{"a", Synth(64, 1)}, {"b", Synth(64, 2)}, {"big", Synth(256, 3)}};
  ModelManagerOptions o;
  o.models = {{"a", "a"}, {"b", "b"}, {"big", "big"}, {"missing", "nowhere"}};
  o.memory_budget_bytes = f.bytes["a"].size() * 3 / 2 + (64u << 10);  // one small model at a time
  o.context = 64;
  ModelManager m(o, f.Opener());
  const std::vector<ModelStatus> before = m.Status();
  EXPECT_TRUE(
      std::none_of(before.begin(), before.end(), [](const ModelStatus& s) { return s.loaded; }));

  ModelRequest r;
  r.model = "a";
  r.prompt = "the world";
  r.options.max_tokens = 8;
  r.options.sampling = SamplingParams::Greedy();
  r.options.ignore_eos = true;
  r.deterministic = true;
  auto first = m.Generate(r);
  ASSERT_TRUE(first.has_value()) << first.error().message();
  EXPECT_FALSE(first->cached);
  EXPECT_GT(first->load_ms, 0);
  auto again = m.Generate(r);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->cached);
  EXPECT_EQ(again->result.tokens, first->result.tokens);
  EXPECT_EQ(m.cache_hits(), 1u);

  r.model = "b";
  ASSERT_TRUE(m.Generate(r).has_value());
  for (const ModelStatus& s : m.Status())
    EXPECT_EQ(s.loaded, s.name == "b") << s.name;  // a was evicted

  r.model = "big";
  auto big = m.Generate(r);
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().code(), Code::kResourceExhausted);
  EXPECT_NE(big.error().message().find("memory budget"), std::string::npos);
  r.model = "missing";
  EXPECT_EQ(m.Generate(r).error().code(), Code::kNotFound);
  r.model = "unknown";
  EXPECT_EQ(m.Generate(r).error().code(), Code::kNotFound);

  auto d = m.Describe("big");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->params.n_embd, 256u);
}

}  // namespace
}  // namespace gw::engine
