// The byte format of a queue Record at rest (docs/formats/queue_record.md): a magic, a
// length, a CRC-32C over the body, then the fields. Decoding treats the bytes as untrusted
// (a disk can corrupt them, a person can edit the file): every length, enum and varint is
// checked, and a bad record is kDataLoss with the reason, never a crash.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gw/base/result.h"
#include "gw/queue/record.h"

namespace gw::queue {

inline constexpr size_t kMaxEncodedRecordBytes = 64u << 20;

std::string EncodeRecord(const Record& record);
Result<Record> DecodeRecord(std::string_view bytes);

// CRC-32C (Castagnoli), as used by iSCSI, ext4 and LevelDB's log.
uint32_t Crc32c(std::string_view bytes, uint32_t crc = 0);

}  // namespace gw::queue
