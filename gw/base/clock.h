// Clock: the one way core code reads time, so that tests can inject a FakeClock
// (gw/testing/fake_clock.h) and state machines never sleep.
//
// Thread-safety: implementations must allow concurrent calls.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace gw {

class Clock {
 public:
  using Duration = std::chrono::nanoseconds;
  using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;

  virtual ~Clock() = default;
  // Monotonic time, for durations and deadlines.
  virtual TimePoint Now() const = 0;
  // Wall-clock time in milliseconds since the Unix epoch, for timestamps people read.
  virtual int64_t WallMillis() const = 0;
};

// The process clock (std::chrono steady and system clocks). Never null, lives forever.
Clock& RealClock();

// "2026-11-25T14:36:04.123Z" (UTC, milliseconds) for Unix milliseconds.
std::string Iso8601Utc(int64_t unix_ms);

// Seconds since this process started (measured from static initialization).
double ProcessUptimeSeconds();

}  // namespace gw
