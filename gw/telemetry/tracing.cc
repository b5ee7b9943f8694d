#include "gw/telemetry/tracing.h"

#include <chrono>

namespace gw::telemetry {
namespace {

std::string Hex(Random& random, int words) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(static_cast<size_t>(words) * 16);
  for (int w = 0; w < words; ++w) {
    uint64_t bits = random.Next();
    if (w == words - 1) bits |= 1;  // never all zeros
    for (int i = 15; i >= 0; --i) out.push_back(kHex[(bits >> (4 * i)) & 0xf]);
  }
  return out;
}

}  // namespace

int64_t UnixNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string NewTraceId(Random& random) { return Hex(random, 2); }
std::string NewSpanId(Random& random) { return Hex(random, 1); }

}  // namespace gw::telemetry
