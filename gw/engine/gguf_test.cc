#include "gw/engine/gguf.h"

#include <gtest/gtest.h>

#include <cstring>

namespace gw::engine {
namespace {

std::string Bytes(size_t n, char fill) { return std::string(n, fill); }

// A small model-shaped file: metadata of every kind the runtime reads, and one tensor of
// each supported type, with sizes that are not multiples of 32 where the type allows.
std::string SampleFile(uint32_t alignment = 32) {
  GgufWriter w(alignment);
  w.SetString("general.architecture", "llama");
  w.SetUint32("llama.context_length", 128);
  w.SetFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  w.SetStringArray("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "\xe2\x96\x81hi"});
  w.SetFloat32Array("tokenizer.ggml.scores", {0, 0, 0, -1.5f});
  w.SetInt32Array("tokenizer.ggml.token_type", {2, 3, 3, 1});
  EXPECT_TRUE(w.AddTensor("a.f32", {7}, TensorType::kF32, Bytes(28, 'a')));
  EXPECT_TRUE(w.AddTensor("b.f16", {5, 3}, TensorType::kF16, Bytes(30, 'b')));
  EXPECT_TRUE(w.AddTensor("c.q8", {64, 3}, TensorType::kQ8_0, Bytes(6 * 34, 'c')));
  EXPECT_TRUE(w.AddTensor("d.q4", {32, 5}, TensorType::kQ4_0, Bytes(5 * 18, 'd')));
  return w.Finish();
}

template <class T>
void Patch(std::string& bytes, size_t pos, T v) {
  std::memcpy(bytes.data() + pos, &v, sizeof(T));
}

// Where tensor `name`'s info ends: its type field is 12 bytes before, its offset 8 before.
size_t InfoEnd(const std::string& bytes, const std::string& name, int dims) {
  size_t at = bytes.find(name);
  return at + name.size() + 4 + 8 * dims + 4 + 8;
}

std::string Why(const std::string& bytes) {
  auto f = ParseGguf(bytes);
  EXPECT_FALSE(f);
  return f ? std::string() : f.error().message();
}

TEST(Gguf, WritesAndReadsEverything) {
  std::string bytes = SampleFile();
  auto f = ParseGguf(bytes);
  ASSERT_TRUE(f) << f.error().message();
  EXPECT_EQ(f->GetString("general.architecture"), "llama");
  EXPECT_EQ(f->GetUint("llama.context_length"), 128u);
  EXPECT_NEAR(*f->GetFloat("llama.attention.layer_norm_rms_epsilon"), 1e-5, 1e-9);
  ASSERT_EQ(f->Get("tokenizer.ggml.tokens")->array.size(), 4u);
  EXPECT_EQ(std::get<std::string>(f->Get("tokenizer.ggml.tokens")->array[3]), "\xe2\x96\x81hi");
  ASSERT_EQ(f->tensors.size(), 4u);
  const TensorInfo* q4 = f->Tensor("d.q4");
  ASSERT_NE(q4, nullptr);
  EXPECT_EQ(q4->dims, (std::vector<uint64_t>{32, 5}));
  EXPECT_EQ(q4->size, 90u);
  EXPECT_EQ(q4->data, Bytes(90, 'd'));
  EXPECT_EQ(f->Tensor("b.f16")->elements, 15u);
  for (const TensorInfo& t : f->tensors) EXPECT_EQ(t.offset % 32, 0u);
  auto wide = ParseGguf(SampleFile(64));
  ASSERT_TRUE(wide);
  EXPECT_EQ(wide->alignment, 64u);
}

TEST(Gguf, EveryTruncationIsAClearErrorNotACrash) {
  std::string bytes = SampleFile();
  auto whole = ParseGguf(bytes);
  ASSERT_TRUE(whole);
  const TensorInfo& last = whole->tensors.back();
  size_t end = whole->data_offset + last.offset + last.size;  // the padding after it is optional
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto f = ParseGguf(std::string_view(bytes).substr(0, n));
    EXPECT_EQ(f.has_value(), n >= end) << n;
  }
  EXPECT_NE(Why(bytes.substr(0, 10)).find("truncated"), std::string::npos);
  EXPECT_NE(Why(bytes.substr(0, end - 1)).find("runs past the end"), std::string::npos);
}

TEST(Gguf, BadHeadersCountsOffsetsAndTypesAreNamed) {
  std::string good = SampleFile();
  std::string b = good;
  b[0] = 'X';
  EXPECT_NE(Why(b).find("wrong magic"), std::string::npos);
  b = good;
  Patch<uint32_t>(b, 4, 2);
  EXPECT_NE(Why(b).find("version 2 is not supported"), std::string::npos);
  b = good;
  Patch<uint64_t>(b, 8, uint64_t{1} << 40);
  EXPECT_NE(Why(b).find("tensor count"), std::string::npos);
  b = good;
  Patch<uint64_t>(b, 16, uint64_t{1} << 50);
  EXPECT_NE(Why(b).find("metadata count"), std::string::npos);

  b = good;
  Patch<uint64_t>(b, InfoEnd(b, "d.q4", 2) - 8, uint64_t{1} << 30);  // offset past the end
  EXPECT_NE(Why(b).find("'d.q4': its data"), std::string::npos);
  b = good;
  Patch<uint64_t>(b, InfoEnd(b, "c.q8", 2) - 8, 0);  // on top of a.f32
  EXPECT_NE(Why(b).find("overlap"), std::string::npos);
  b = good;
  Patch<uint64_t>(b, InfoEnd(b, "c.q8", 2) - 8, 3);
  EXPECT_NE(Why(b).find("not aligned"), std::string::npos);
  b = good;
  Patch<uint32_t>(b, InfoEnd(b, "a.f32", 1) - 12, 99);
  EXPECT_NE(Why(b).find("type 99 is not supported"), std::string::npos);
  b = good;
  Patch<uint32_t>(b, InfoEnd(b, "a.f32", 1) - 12, 2);  // Q4_0 needs a multiple of 32
  EXPECT_NE(Why(b).find("not a multiple of the Q4_0 block"), std::string::npos);
  b = good;
  Patch<uint64_t>(b, InfoEnd(b, "b.f16", 2) - 12 - 16, uint64_t{1} << 45);  // absurd dimension
  EXPECT_NE(Why(b).find("absurd dimensions"), std::string::npos);
}

TEST(Gguf, BadMetadataIsNamed) {
  GgufWriter dup;
  dup.SetUint32("k", 1);
  dup.SetUint32("k", 2);
  EXPECT_NE(Why(dup.Finish()).find("'k' appears twice"), std::string::npos);
  GgufWriter align;
  align.SetUint32("general.alignment", 24);
  EXPECT_NE(Why(align.Finish()).find("power of two"), std::string::npos);
  std::string b = SampleFile();
  size_t at = b.find("llama.context_length") + std::strlen("llama.context_length");
  Patch<uint32_t>(b, at, 77);  // value type
  EXPECT_NE(Why(b).find("unknown value type 77"), std::string::npos);
  b = SampleFile();
  at = b.find("tokenizer.ggml.scores") + std::strlen("tokenizer.ggml.scores") + 8;  // array length
  Patch<uint64_t>(b, at, uint64_t{1} << 40);
  EXPECT_NE(Why(b).find("array length"), std::string::npos);
}

}  // namespace
}  // namespace gw::engine
