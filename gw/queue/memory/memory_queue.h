// A memory-backed OfflineQueue: for tests and for wasm32, where there is no SQLite. Nothing
// survives the process. Same semantics as the durable backend (the shared tests in
// gw/queue/queue_test_suite.h run against both).
// Thread-safety: all methods may be called concurrently.
#pragma once

#include "gw/base/clock.h"
#include "gw/queue/offline_queue.h"

namespace gw::queue {

struct MemoryQueueOptions {
  QueueLimits limits;
  const Clock* clock = nullptr;  // stamps updated_ms; RealClock() when null
};

OfflineQueuePtr NewMemoryQueue(const MemoryQueueOptions& options);

}  // namespace gw::queue
