// Record: one request held by the offline queue, from acceptance to its result. The unit the
// queue stores, the sync scheduler delivers and the MCP Tasks API reports on.
//
// Thread-safety: a value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gw::queue {

// Delivery order: every queued high record of an upstream goes before any normal one, and
// so on; FIFO (by seq) within a priority.
enum class Priority : uint8_t { kHigh = 0, kNormal = 1, kLow = 2 };

enum class RecordState : uint8_t {
  kQueued = 0,      // waiting for its upstream (or for next_attempt_ms)
  kDelivering = 1,  // sent; the outcome is not known yet (a crash here means "send again")
  kDone = 2,        // the upstream answered; `result` holds the JSON-RPC result or error
  kDead = 3,        // gave up (attempts, a conflict, a permanent error): a person may retry it
  kCancelled = 4,   // the client cancelled it before delivery
  kExpired = 5,     // its TTL passed before delivery
};

std::string_view PriorityName(Priority p);
std::string_view RecordStateName(RecordState s);
// Parses the names above ("high", "queued", ...). False for anything else.
bool ParsePriority(std::string_view text, Priority* out);
bool ParseRecordState(std::string_view text, RecordState* out);

struct Record {
  uint64_t seq = 0;             // assigned by Append, increasing
  std::string task_id;          // the id the client knows it by (MCP Tasks)
  std::string idempotency_key;  // a repeated key is not queued (or run) twice; may be empty
  std::string upstream;         // where it goes
  std::string method;           // "tools/call"
  std::string params;           // JSON object as the upstream should get it
  std::string precondition;     // optional version/precondition (conflict policy), JSON
  Priority priority = Priority::kNormal;
  RecordState state = RecordState::kQueued;
  uint32_t attempts = 0;
  int64_t created_ms = 0;       // wall clock, Unix ms
  int64_t expires_ms = 0;       // 0: never
  int64_t next_attempt_ms = 0;  // not before this (backoff)
  int64_t updated_ms = 0;       // wall clock of the last state change
  std::string result;           // kDone: the JSON-RPC result or error object
  std::string last_error;       // why the last attempt failed, for people
  // Who may see it: "session:ID", later "principal:NAME"; "" for records written before
  // owners existed (version 1), which only their ids reach.
  std::string owner;

  // Bytes the record accounts for against the queue's budget.
  size_t footprint() const;
  bool terminal() const {
    return state == RecordState::kDone || state == RecordState::kCancelled ||
           state == RecordState::kExpired;
  }
};

}  // namespace gw::queue
