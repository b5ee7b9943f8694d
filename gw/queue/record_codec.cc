#include "gw/queue/record_codec.h"

#include <array>

namespace gw::queue {
namespace {

constexpr std::string_view kMagic = "EGQ1";
constexpr uint8_t kVersion = 2;        // 2 added `owner`; version 1 records still read
constexpr size_t kHeader = 4 + 4 + 4;  // magic, body length, crc

constexpr std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0x82F63B78u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrcTable = MakeCrcTable();

void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint32_t GetU32(std::string_view in) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}
void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
void PutSigned(std::string& out, int64_t v) {  // zigzag
  PutVarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}
void PutString(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}

// Reads fields from a body, remembering the first problem.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  bool done() const { return in_.empty(); }

  uint8_t Byte(const char* what) {
    if (!ok()) return 0;
    if (in_.empty()) return Fail(what, "truncated"), 0;
    uint8_t b = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return b;
  }
  uint64_t Varint(const char* what) {
    uint64_t v = 0;
    for (int shift = 0; ok(); shift += 7) {
      if (shift > 63) return Fail(what, "varint too long"), 0;
      uint8_t b = Byte(what);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    return 0;
  }
  int64_t Signed(const char* what) {
    uint64_t z = Varint(what);
    return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  std::string String(const char* what) {
    uint64_t n = Varint(what);
    if (!ok()) return {};
    if (n > in_.size()) return Fail(what, "length past the end"), std::string();
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  void Fail(const char* what, const char* why) {
    if (ok()) error_ = std::string(what) + ": " + why;
  }

 private:
  std::string_view in_;
  std::string error_;
};

}  // namespace

uint32_t Crc32c(std::string_view bytes, uint32_t crc) {
  crc = ~crc;
  for (char c : bytes) crc = kCrcTable[(crc ^ static_cast<uint8_t>(c)) & 0xff] ^ (crc >> 8);
  return ~crc;
}

std::string EncodeRecord(const Record& r) {
  std::string body;
  body.reserve(r.footprint() + 32);
  body.push_back(static_cast<char>(kVersion));
  PutVarint(body, r.seq);
  body.push_back(static_cast<char>(r.priority));
  body.push_back(static_cast<char>(r.state));
  PutVarint(body, r.attempts);
  PutSigned(body, r.created_ms);
  PutSigned(body, r.expires_ms);
  PutSigned(body, r.next_attempt_ms);
  PutSigned(body, r.updated_ms);
  for (std::string_view s :
       {std::string_view(r.task_id), std::string_view(r.idempotency_key),
        std::string_view(r.upstream), std::string_view(r.method), std::string_view(r.params),
        std::string_view(r.precondition), std::string_view(r.result),
        std::string_view(r.last_error), std::string_view(r.owner)}) {
    PutString(body, s);
  }
  std::string out(kMagic);
  PutU32(out, static_cast<uint32_t>(body.size()));
  PutU32(out, Crc32c(body));
  out += body;
  return out;
}

Result<Record> DecodeRecord(std::string_view bytes) {
  auto bad = [](const std::string& why) { return Error(Code::kDataLoss, "queue record: " + why); };
  if (bytes.size() < kHeader)
    return bad("shorter than its header (" + std::to_string(bytes.size()) + " bytes)");
  if (bytes.substr(0, 4) != kMagic) return bad("wrong magic (not an edgegw queue record)");
  uint32_t length = GetU32(bytes.substr(4));
  if (length != bytes.size() - kHeader) {
    return bad("length says " + std::to_string(length) + " bytes, found " +
               std::to_string(bytes.size() - kHeader));
  }
  if (bytes.size() > kMaxEncodedRecordBytes) return bad("larger than the 64 MiB limit");
  std::string_view body = bytes.substr(kHeader);
  if (Crc32c(body) != GetU32(bytes.substr(8))) return bad("checksum mismatch (corrupt)");
  Reader in(body);
  uint8_t version = in.Byte("version");
  if (in.ok() && (version < 1 || version > kVersion))
    return bad("unknown version " + std::to_string(version));
  Record r;
  r.seq = in.Varint("seq");
  uint8_t priority = in.Byte("priority");
  uint8_t state = in.Byte("state");
  uint64_t attempts = in.Varint("attempts");
  r.created_ms = in.Signed("created_ms");
  r.expires_ms = in.Signed("expires_ms");
  r.next_attempt_ms = in.Signed("next_attempt_ms");
  r.updated_ms = in.Signed("updated_ms");
  r.task_id = in.String("task_id");
  r.idempotency_key = in.String("idempotency_key");
  r.upstream = in.String("upstream");
  r.method = in.String("method");
  r.params = in.String("params");
  r.precondition = in.String("precondition");
  r.result = in.String("result");
  r.last_error = in.String("last_error");
  if (version >= 2) r.owner = in.String("owner");
  if (!in.ok()) return bad(in.error());
  if (!in.done()) return bad("bytes after the last field");
  if (priority > static_cast<uint8_t>(Priority::kLow)) return bad("priority out of range");
  if (state > static_cast<uint8_t>(RecordState::kExpired)) return bad("state out of range");
  if (attempts > UINT32_MAX) return bad("attempts out of range");
  r.priority = static_cast<Priority>(priority);
  r.state = static_cast<RecordState>(state);
  r.attempts = static_cast<uint32_t>(attempts);
  return r;
}

}  // namespace gw::queue
