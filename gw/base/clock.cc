#include "gw/base/clock.h"

namespace gw {
namespace {

class SteadyClock final : public Clock {
 public:
  TimePoint Now() const override {
    return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now());
  }
  int64_t WallMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace

const std::chrono::steady_clock::time_point kProcessStart = std::chrono::steady_clock::now();

double ProcessUptimeSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - kProcessStart).count();
}

Clock& RealClock() {
  static SteadyClock clock;
  return clock;
}

}  // namespace gw
