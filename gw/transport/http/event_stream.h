// EventStream: the ordered, replayable messages of one SSE stream of a session: the stream
// that answers one POSTed request, or the session's standalone GET stream.
//
// Messages are kept after they are written so that a client that lost the connection can
// resume with Last-Event-ID (MCP 2025-11-25 §Transports, Resumability and Redelivery). At
// most one writer (an HTTP connection) is attached at a time, so no message goes out on two
// connections; a new writer takes over from the old one, which may be a connection that
// died unnoticed (common on flaky edge links). Writers are woken through a callback.
//
// Thread-safety: all methods are thread-safe. The waker runs under no lock of ours.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gw/base/mutex.h"

namespace gw::transport {

struct StreamEvent {
  uint64_t seq;      // 1-based position in the stream
  std::string data;  // one JSON-RPC message
};

class EventStream {
 public:
  // `number` identifies the stream within its session; event ids are "<number>-<seq>".
  EventStream(uint64_t number, size_t max_retained);

  uint64_t number() const { return number_; }
  // Appends a message (empty `data` appends nothing) and, if `final`, marks the end.
  void Push(std::string data, bool final);
  // Events with seq > `after`, and whether the stream has ended.
  std::vector<StreamEvent> Since(uint64_t after, bool* finished) const;
  bool finished() const;
  size_t size() const;

  // Asks the attached (or next) writer to end its connection without ending the stream.
  void Interrupt();
  // True once after Interrupt(); the writer that sees it ends its response.
  bool ConsumeInterrupt();
  bool interrupted() const;

  // Attaches a writer and returns its ticket; a writer attached before is woken and must
  // stop (Owns() turns false for it). The waker is called, from any thread, after each Push
  // and Interrupt until the writer detaches or is replaced.
  uint64_t Attach(std::function<void()> waker);
  bool Owns(uint64_t ticket) const;
  void Detach(uint64_t ticket);

  // The highest seq a writer has delivered; a new GET without Last-Event-ID starts there.
  void MarkDelivered(uint64_t seq);
  uint64_t delivered() const;

  std::string EventId(uint64_t seq) const;
  // Parses "<number>-<seq>". Returns false on anything else.
  static bool ParseEventId(std::string_view id, uint64_t* number, uint64_t* seq);

 private:
  const uint64_t number_;
  const size_t max_retained_;
  mutable Mutex mu_;
  std::vector<StreamEvent> events_ GW_GUARDED_BY(mu_);  // a vector: most streams hold one event
  uint64_t next_seq_ GW_GUARDED_BY(mu_) = 1;
  bool finished_ GW_GUARDED_BY(mu_) = false;
  uint64_t owner_ GW_GUARDED_BY(mu_) = 0;  // ticket of the attached writer, 0 for none
  uint64_t next_ticket_ GW_GUARDED_BY(mu_) = 1;
  uint64_t delivered_ GW_GUARDED_BY(mu_) = 0;
  bool interrupted_ GW_GUARDED_BY(mu_) = false;
  std::function<void()> waker_ GW_GUARDED_BY(mu_);
};

}  // namespace gw::transport
