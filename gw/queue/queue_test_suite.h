// The behaviour every OfflineQueue backend must have, as a GoogleTest suite parameterized
// by a factory: the fixture here, the tests in queue_behaviour_test.cc, one
// INSTANTIATE_TEST_SUITE_P per backend (queue_test.cc, sqlite/sqlite_queue_test.cc).
#pragma once

#include <gtest/gtest.h>

#include <functional>

#include "gw/queue/offline_queue.h"

namespace gw::queue::behaviour {

using QueueFactory = std::function<OfflineQueuePtr(const QueueLimits&)>;

inline Record MakeRecord(std::string task, std::string upstream = "cloud",
                         Priority priority = Priority::kNormal, std::string key = {}) {
  Record r;
  r.task_id = std::move(task);
  r.upstream = std::move(upstream);
  r.method = "tools/call";
  r.params = R"({"name":"work","arguments":{}})";
  r.priority = priority;
  r.idempotency_key = std::move(key);
  r.created_ms = 1000;
  return r;
}

class QueueBehaviour : public ::testing::TestWithParam<QueueFactory> {
 protected:
  OfflineQueuePtr Make(QueueLimits limits = {}) { return GetParam()(limits); }
};

}  // namespace gw::queue::behaviour
