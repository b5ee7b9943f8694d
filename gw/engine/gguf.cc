#include "gw/engine/gguf.h"

#include <algorithm>
#include <cstring>

namespace gw::engine {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as little-endian u32
constexpr uint64_t kMaxTensors = 1u << 20;
constexpr uint64_t kMaxKv = 1u << 20;
constexpr uint64_t kMaxString = 64u << 20;
constexpr uint64_t kMaxArray = 256u << 20;
constexpr uint32_t kMaxDims = 4;

enum ValueType : uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};

size_t ScalarSize(uint32_t t) {
  switch (t) {
    case kU8:
    case kI8:
    case kBool:
      return 1;
    case kU16:
    case kI16:
      return 2;
    case kU32:
    case kI32:
    case kF32:
      return 4;
    case kU64:
    case kI64:
    case kF64:
      return 8;
    default:
      return 0;
  }
}

// Reads little-endian fields from the file, remembering the first problem with its offset.
class Cursor {
 public:
  explicit Cursor(std::string_view bytes) : bytes_(bytes) {}
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  uint64_t pos() const { return pos_; }
  uint64_t remaining() const { return bytes_.size() - pos_; }

  template <class T>
  T Read(const char* what) {
    T v{};
    if (!ok()) return v;
    if (remaining() < sizeof(T)) {
      Fail(what, "the file ends inside it (truncated)");
      return v;
    }
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string String(const char* what) {
    uint64_t n = Read<uint64_t>(what);
    if (!ok()) return {};
    if (n > kMaxString)
      return Fail(what, "string length " + std::to_string(n) + " is absurd"), std::string();
    if (n > remaining()) return Fail(what, "string runs past the end of the file"), std::string();
    std::string s(bytes_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  void Fail(const std::string& what, const std::string& why) {
    if (ok()) error_ = what + " at byte " + std::to_string(pos_) + ": " + why;
  }

 private:
  std::string_view bytes_;
  uint64_t pos_ = 0;
  std::string error_;
};

GgufScalar ReadScalar(Cursor& c, uint32_t t, const char* what) {
  switch (t) {
    case kU8:
      return uint64_t{c.Read<uint8_t>(what)};
    case kI8:
      return int64_t{c.Read<int8_t>(what)};
    case kU16:
      return uint64_t{c.Read<uint16_t>(what)};
    case kI16:
      return int64_t{c.Read<int16_t>(what)};
    case kU32:
      return uint64_t{c.Read<uint32_t>(what)};
    case kI32:
      return int64_t{c.Read<int32_t>(what)};
    case kF32:
      return double{c.Read<float>(what)};
    case kBool: {
      uint8_t b = c.Read<uint8_t>(what);
      if (b > 1) c.Fail(what, "a bool that is neither 0 nor 1");
      return b == 1;
    }
    case kString:
      return c.String(what);
    case kU64:
      return c.Read<uint64_t>(what);
    case kI64:
      return c.Read<int64_t>(what);
    case kF64:
      return c.Read<double>(what);
    default:
      c.Fail(what, "unknown value type " + std::to_string(t));
      return uint64_t{0};
  }
}

bool MulOverflows(uint64_t a, uint64_t b, uint64_t* out) {
  return __builtin_mul_overflow(a, b, out);
}

}  // namespace

std::string_view TensorTypeName(TensorType t) {
  switch (t) {
    case TensorType::kF32:
      return "F32";
    case TensorType::kF16:
      return "F16";
    case TensorType::kQ4_0:
      return "Q4_0";
    case TensorType::kQ8_0:
      return "Q8_0";
  }
  return "?";
}

std::optional<BlockLayout> LayoutOf(uint32_t ggml_type) {
  switch (ggml_type) {
    case 0:
      return BlockLayout{1, 4};  // F32
    case 1:
      return BlockLayout{1, 2};  // F16
    case 2:
      return BlockLayout{32, 18};  // Q4_0: f16 scale + 16 bytes of nibbles
    case 8:
      return BlockLayout{32, 34};  // Q8_0: f16 scale + 32 int8
    default:
      return std::nullopt;
  }
}

const TensorInfo* GgufFile::Tensor(std::string_view name) const {
  for (const TensorInfo& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const GgufValue* GgufFile::Get(std::string_view key) const {
  auto it = metadata.find(key);
  return it == metadata.end() ? nullptr : &it->second;
}

std::optional<uint64_t> GgufFile::GetUint(std::string_view key) const {
  const GgufValue* v = Get(key);
  if (!v || v->type == kArray) return std::nullopt;
  if (auto* u = std::get_if<uint64_t>(&v->scalar)) return *u;
  if (auto* i = std::get_if<int64_t>(&v->scalar); i && *i >= 0) return static_cast<uint64_t>(*i);
  return std::nullopt;
}

std::optional<double> GgufFile::GetFloat(std::string_view key) const {
  const GgufValue* v = Get(key);
  if (!v || v->type == kArray) return std::nullopt;
  if (auto* d = std::get_if<double>(&v->scalar)) return *d;
  if (auto* u = std::get_if<uint64_t>(&v->scalar)) return static_cast<double>(*u);
  if (auto* i = std::get_if<int64_t>(&v->scalar)) return static_cast<double>(*i);
  return std::nullopt;
}

std::optional<std::string> GgufFile::GetString(std::string_view key) const {
  const GgufValue* v = Get(key);
  if (!v || v->type != kString) return std::nullopt;
  return std::get<std::string>(v->scalar);
}

Result<GgufFile> ParseGguf(std::string_view bytes) {
  auto bad = [](const std::string& why) { return InvalidArgument("GGUF: " + why); };
  Cursor c(bytes);
  GgufFile f;
  uint32_t magic = c.Read<uint32_t>("magic");
  if (!c.ok()) return bad(c.error());
  if (magic != kMagic) return bad("not a GGUF file (wrong magic)");
  f.version = c.Read<uint32_t>("version");
  if (c.ok() && f.version != 3)
    return bad("version " + std::to_string(f.version) + " is not supported (only 3)");
  uint64_t tensor_count = c.Read<uint64_t>("tensor count");
  uint64_t kv_count = c.Read<uint64_t>("metadata count");
  if (!c.ok()) return bad(c.error());
  if (tensor_count > kMaxTensors || tensor_count > bytes.size()) {
    return bad("tensor count " + std::to_string(tensor_count) + " is absurd for a " +
               std::to_string(bytes.size()) + "-byte file");
  }
  if (kv_count > kMaxKv || kv_count > bytes.size())
    return bad("metadata count " + std::to_string(kv_count) + " is absurd");

  for (uint64_t i = 0; i < kv_count && c.ok(); ++i) {
    std::string key = c.String("metadata key");
    GgufValue v;
    v.type = c.Read<uint32_t>("metadata value type");
    if (!c.ok()) break;
    if (v.type == kArray) {
      v.array_type = c.Read<uint32_t>("array element type");
      uint64_t n = c.Read<uint64_t>("array length");
      if (!c.ok()) break;
      if (v.array_type == kArray)
        return bad("metadata '" + key + "': nested arrays are not supported");
      size_t each = v.array_type == kString ? 8 : ScalarSize(v.array_type);
      if (each == 0)
        return bad("metadata '" + key + "': unknown array element type " +
                   std::to_string(v.array_type));
      if (n > kMaxArray || n > c.remaining() / each)
        return bad("metadata '" + key + "': array length " + std::to_string(n) +
                   " runs past the end");
      v.array.reserve(n);
      for (uint64_t k = 0; k < n && c.ok(); ++k)
        v.array.push_back(ReadScalar(c, v.array_type, "array element"));
    } else {
      v.scalar = ReadScalar(c, v.type, "metadata value");
    }
    if (!c.ok()) break;
    if (!f.metadata.emplace(key, std::move(v)).second)
      return bad("metadata key '" + key + "' appears twice");
  }
  if (!c.ok()) return bad(c.error());

  if (const GgufValue* a = f.Get("general.alignment")) {
    auto align = f.GetUint("general.alignment");
    if (!align || *align == 0 || *align > 65536 || (*align & (*align - 1)) || a->type == kArray) {
      return bad("general.alignment must be a power of two up to 65536");
    }
    f.alignment = static_cast<uint32_t>(*align);
  }

  f.tensors.reserve(tensor_count);
  for (uint64_t i = 0; i < tensor_count && c.ok(); ++i) {
    TensorInfo t;
    t.name = c.String("tensor name");
    uint32_t n_dims = c.Read<uint32_t>("tensor dimension count");
    if (!c.ok()) break;
    if (n_dims == 0 || n_dims > kMaxDims)
      return bad("tensor '" + t.name + "': " + std::to_string(n_dims) + " dimensions (1 to 4)");
    t.elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t n = c.Read<uint64_t>("tensor dimension");
      if (!c.ok()) break;
      if (n == 0 || MulOverflows(t.elements, n, &t.elements) || t.elements > (uint64_t{1} << 40)) {
        return bad("tensor '" + t.name + "': absurd dimensions");
      }
      t.dims.push_back(n);
    }
    uint32_t type = c.Read<uint32_t>("tensor type");
    t.offset = c.Read<uint64_t>("tensor offset");
    if (!c.ok()) break;
    auto layout = LayoutOf(type);
    if (!layout)
      return bad("tensor '" + t.name + "': type " + std::to_string(type) +
                 " is not supported (F32, F16, Q4_0, Q8_0)");
    t.type = static_cast<TensorType>(type);
    if (t.dims[0] % layout->elements != 0) {
      return bad("tensor '" + t.name + "': its first dimension " + std::to_string(t.dims[0]) +
                 " is not a multiple of the " + std::string(TensorTypeName(t.type)) + " block (" +
                 std::to_string(layout->elements) + ")");
    }
    t.size = t.elements / layout->elements * layout->bytes;
    if (t.offset % f.alignment != 0)
      return bad("tensor '" + t.name + "': offset " + std::to_string(t.offset) +
                 " is not aligned to " + std::to_string(f.alignment));
    if (f.Tensor(t.name)) return bad("tensor '" + t.name + "' appears twice");
    f.tensors.push_back(std::move(t));
  }
  if (!c.ok()) return bad(c.error());

  f.data_offset = (c.pos() + f.alignment - 1) / f.alignment * f.alignment;
  if (f.data_offset > bytes.size())
    return bad("the data section starts past the end of the file (truncated)");
  uint64_t data_size = bytes.size() - f.data_offset;
  std::vector<std::pair<uint64_t, uint64_t>> spans;
  for (TensorInfo& t : f.tensors) {
    if (t.offset > data_size || t.size > data_size - t.offset) {
      return bad("tensor '" + t.name + "': its data (" + std::to_string(t.size) + " bytes at " +
                 std::to_string(t.offset) + ") runs past the end of the file");
    }
    t.data = bytes.substr(f.data_offset + t.offset, t.size);
    spans.emplace_back(t.offset, t.offset + t.size);
  }
  std::sort(spans.begin(), spans.end());
  for (size_t i = 1; i < spans.size(); ++i) {
    if (spans[i].first < spans[i - 1].second) return bad("two tensors' data overlap");
  }
  return f;
}

// --- writer ---

namespace {

template <class T>
void Put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}
void PutString(std::string& out, std::string_view s) {
  Put<uint64_t>(out, s.size());
  out.append(s);
}

}  // namespace

void GgufWriter::SetUint32(const std::string& key, uint32_t v) {
  PutString(kv_, key);
  Put<uint32_t>(kv_, kU32);
  Put(kv_, v);
  ++kv_count_;
}
void GgufWriter::SetFloat32(const std::string& key, float v) {
  PutString(kv_, key);
  Put<uint32_t>(kv_, kF32);
  Put(kv_, v);
  ++kv_count_;
}
void GgufWriter::SetString(const std::string& key, const std::string& v) {
  PutString(kv_, key);
  Put<uint32_t>(kv_, kString);
  PutString(kv_, v);
  ++kv_count_;
}
void GgufWriter::SetStringArray(const std::string& key, const std::vector<std::string>& v) {
  PutString(kv_, key);
  Put<uint32_t>(kv_, kArray);
  Put<uint32_t>(kv_, kString);
  Put<uint64_t>(kv_, v.size());
  for (const std::string& s : v) PutString(kv_, s);
  ++kv_count_;
}
void GgufWriter::SetFloat32Array(const std::string& key, const std::vector<float>& v) {
  PutString(kv_, key);
  Put<uint32_t>(kv_, kArray);
  Put<uint32_t>(kv_, kF32);
  Put<uint64_t>(kv_, v.size());
  for (float x : v) Put(kv_, x);
  ++kv_count_;
}
void GgufWriter::SetInt32Array(const std::string& key, const std::vector<int32_t>& v) {
  PutString(kv_, key);
  Put<uint32_t>(kv_, kArray);
  Put<uint32_t>(kv_, kI32);
  Put<uint64_t>(kv_, v.size());
  for (int32_t x : v) Put(kv_, x);
  ++kv_count_;
}

Status GgufWriter::AddTensor(std::string name, std::vector<uint64_t> dims, TensorType type,
                             std::string data) {
  auto layout = LayoutOf(static_cast<uint32_t>(type));
  uint64_t elements = 1;
  for (uint64_t d : dims) elements *= d;
  if (dims.empty() || dims.size() > kMaxDims || dims[0] % layout->elements != 0) {
    return InvalidArgument("tensor '" + name + "': bad dimensions for " +
                           std::string(TensorTypeName(type)));
  }
  if (data.size() != elements / layout->elements * layout->bytes) {
    return InvalidArgument("tensor '" + name + "': data is " + std::to_string(data.size()) +
                           " bytes, expected " +
                           std::to_string(elements / layout->elements * layout->bytes));
  }
  tensors_.push_back({std::move(name), std::move(dims), type, std::move(data)});
  return OkStatus();
}

std::string GgufWriter::Finish() const {
  std::string out;
  Put<uint32_t>(out, kMagic);
  Put<uint32_t>(out, 3);
  Put<uint64_t>(out, tensors_.size());
  Put<uint64_t>(out, kv_count_ + (alignment_ != 32 ? 1 : 0));
  out += kv_;
  if (alignment_ != 32) {
    PutString(out, "general.alignment");
    Put<uint32_t>(out, kU32);
    Put<uint32_t>(out, alignment_);
  }
  auto align = [&](uint64_t n) { return (n + alignment_ - 1) / alignment_ * alignment_; };
  uint64_t offset = 0;
  for (const Pending& t : tensors_) {
    PutString(out, t.name);
    Put<uint32_t>(out, static_cast<uint32_t>(t.dims.size()));
    for (uint64_t d : t.dims) Put<uint64_t>(out, d);
    Put<uint32_t>(out, static_cast<uint32_t>(t.type));
    Put<uint64_t>(out, offset);
    offset = align(offset + t.data.size());
  }
  out.resize(align(out.size()), '\0');
  size_t data_start = out.size();
  for (const Pending& t : tensors_) {
    out += t.data;
    out.resize(data_start + align(out.size() - data_start), '\0');
  }
  return out;
}

}  // namespace gw::engine
