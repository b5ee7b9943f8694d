// GGUF v3 (the GGML model file format): a reader that validates every count, offset, size
// and alignment before anything is used, and a writer (for `edgegw model synth` and tests).
// The bytes are untrusted: a bad file gives kInvalidArgument naming the problem and where,
// never a crash or an out-of-bounds read.
//
// Layout (little-endian): magic "GGUF", version (3), tensor count, metadata count, the
// metadata key/values, the tensor infos (name, dims, type, offset), padding to
// `general.alignment` (default 32), then the tensor data; each tensor's offset is relative to
// the data section and aligned.
//
// Ownership: a GgufFile points into the bytes it was parsed from (an mmap), which must
// outlive it. Thread-safety: a parsed GgufFile is immutable.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gw/base/result.h"

namespace gw::engine {

// ggml tensor types this runtime knows (the numbering is ggml's).
enum class TensorType : uint32_t { kF32 = 0, kF16 = 1, kQ4_0 = 2, kQ8_0 = 8 };
std::string_view TensorTypeName(TensorType t);
// Elements per block and bytes per block (F32/F16: blocks of 1).
struct BlockLayout {
  uint32_t elements;
  uint32_t bytes;
};
std::optional<BlockLayout> LayoutOf(uint32_t ggml_type);

// A metadata value: scalars, a string, or an array of one of those.
using GgufScalar = std::variant<uint64_t, int64_t, double, bool, std::string>;
struct GgufValue {
  uint32_t type = 0;              // the GGUF value type (0..12)
  GgufScalar scalar;              // for non-arrays
  uint32_t array_type = 0;        // for arrays
  std::vector<GgufScalar> array;  // for arrays
};

struct TensorInfo {
  std::string name;
  std::vector<uint64_t> dims;  // ne[0] first (the contiguous one), as ggml lists them
  TensorType type = TensorType::kF32;
  uint64_t offset = 0;  // relative to the data section
  uint64_t size = 0;    // bytes
  uint64_t elements = 0;
  std::string_view data;  // points into the parsed bytes
};

struct GgufFile {
  uint32_t version = 3;
  uint32_t alignment = 32;
  std::map<std::string, GgufValue, std::less<>> metadata;
  std::vector<TensorInfo> tensors;
  uint64_t data_offset = 0;

  const TensorInfo* Tensor(std::string_view name) const;
  std::optional<uint64_t> GetUint(std::string_view key) const;  // any integer type >= 0
  std::optional<double> GetFloat(std::string_view key) const;   // float or integer
  std::optional<std::string> GetString(std::string_view key) const;
  const GgufValue* Get(std::string_view key) const;
};

// Parses and validates `bytes` (the whole file). Limits: at most 1M tensors and 1M metadata
// entries, strings up to 64 MiB, arrays up to 256M elements, up to 4 dimensions.
Result<GgufFile> ParseGguf(std::string_view bytes);

// Builds a GGUF v3 file in memory. Tensors are written in the order added, aligned.
class GgufWriter {
 public:
  explicit GgufWriter(uint32_t alignment = 32) : alignment_(alignment) {}
  void SetUint32(const std::string& key, uint32_t v);
  void SetFloat32(const std::string& key, float v);
  void SetString(const std::string& key, const std::string& v);
  void SetStringArray(const std::string& key, const std::vector<std::string>& v);
  void SetFloat32Array(const std::string& key, const std::vector<float>& v);
  void SetInt32Array(const std::string& key, const std::vector<int32_t>& v);
  // `data` must be exactly the tensor's size for its type and dims.
  Status AddTensor(std::string name, std::vector<uint64_t> dims, TensorType type, std::string data);
  std::string Finish() const;

 private:
  uint32_t alignment_;
  std::string kv_;  // encoded metadata
  uint64_t kv_count_ = 0;
  struct Pending {
    std::string name;
    std::vector<uint64_t> dims;
    TensorType type;
    std::string data;
  };
  std::vector<Pending> tensors_;
};

}  // namespace gw::engine
