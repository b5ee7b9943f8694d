// Conflict resolution for queued updates (issue 4). A queued request may carry a
// precondition in params._meta["io.edgegw/precondition"]:
//   {"key": "doc-42", "version": 3, "policy": "reject" | "last-writer-wins"}
// "key" names what the request changes; requests without one never conflict.
//
//   reject (default)   optimistic concurrency: the request was made against `version`; if
//                      another request for the key was delivered since (the key is now at
//                      another version), this one is a conflict and becomes a dead letter
//                      whose reason says both versions. A person decides (retry or purge).
//   last-writer-wins   the write made last (by its creation time) wins: a request older than
//                      the last one delivered for the key is superseded (cancelled, with the
//                      reason), never delivered over a newer write.
//
// Each delivered request moves the key: version + 1, written at its creation time. The
// state per key is kept by the queue (so it survives restarts). Pure functions here; the
// drain applies them (gw/upstream/queue_drain.cc). Documented in docs/queue.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gw/queue/record.h"

namespace gw::queue {

inline constexpr std::string_view kPreconditionMetaKey = "io.edgegw/precondition";

enum class ConflictPolicy { kReject, kLastWriterWins };

struct Precondition {
  std::string key;
  std::optional<int64_t> version;
  ConflictPolicy policy = ConflictPolicy::kReject;
};

// What the queue remembers per key.
struct KeyState {
  bool known = false;
  int64_t version = 0;
  int64_t written_ms = 0;  // creation time of the last delivered write
};

enum class Verdict { kDeliver, kConflict, kSuperseded };

struct Judgement {
  Verdict verdict = Verdict::kDeliver;
  std::string reason;  // for kConflict / kSuperseded, for people
  KeyState after;      // the key's state once this request is delivered successfully
};

// Parses a precondition object (serialized JSON). nullopt when `json` is empty; an error
// message in `error` (and nullopt) when it is malformed.
std::optional<Precondition> ParsePrecondition(std::string_view json, std::string* error);

Judgement Judge(const Precondition& p, const KeyState& current, const Record& record);

}  // namespace gw::queue
