// FakeClock: a Clock that moves only when a test says so, so time-dependent state machines
// are tested without sleeping. Thread-safety: all methods are thread-safe.
#pragma once

#include <atomic>

#include "gw/base/clock.h"

namespace gw::testing {

class FakeClock final : public Clock {
 public:
  TimePoint Now() const override { return TimePoint(Duration(now_ns_.load())); }
  int64_t WallMillis() const override { return 1'700'000'000'000 + now_ns_.load() / 1'000'000; }
  void Advance(Duration d) { now_ns_.fetch_add(d.count()); }

 private:
  std::atomic<int64_t> now_ns_{1'000'000'000};
};

}  // namespace gw::testing
