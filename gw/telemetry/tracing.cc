#include "gw/telemetry/tracing.h"

#include <chrono>

namespace gw::telemetry {

int64_t UnixNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace gw::telemetry
