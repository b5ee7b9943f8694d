// CircuitBreaker: stops sending work to an upstream that keeps failing, and lets a probe
// through after a cool-down to find out whether it is back.
//
//   closed    calls flow; the last `window` outcomes are kept. When at least `min_calls`
//             are known and the failure ratio reaches `failure_ratio`, it opens.
//   open      calls are refused (the router falls back: queue or error) for `cool_down`.
//   half-open up to `half_open_probes` calls go through. A success closes the breaker (and
//             forgets the old window); a failure opens it for another cool-down.
//
// Time comes from an injected Clock; nothing sleeps. Thread-safety: all methods are
// thread-safe.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "gw/base/clock.h"
#include "gw/base/mutex.h"

namespace gw::resilience {

enum class BreakerState : uint8_t { kClosed, kOpen, kHalfOpen };
std::string_view BreakerStateName(BreakerState state);

struct CircuitBreakerOptions {
  size_t window = 20;
  size_t min_calls = 10;
  double failure_ratio = 0.5;
  Clock::Duration cool_down = std::chrono::seconds(10);
  size_t half_open_probes = 1;
};

class CircuitBreaker {
 public:
  CircuitBreaker(const CircuitBreakerOptions& options, const Clock& clock);

  // Whether a call may be made now. In half-open each true is one of the probes; its
  // outcome must be recorded.
  bool Allow();
  void RecordSuccess();
  void RecordFailure();

  BreakerState state() const;
  // How long until an open breaker lets a probe through (zero unless open).
  Clock::Duration RetryIn() const;
  // How many times it has opened, for metrics.
  uint64_t open_count() const;

 private:
  void OpenLocked(Clock::TimePoint now) GW_REQUIRES(mu_);
  void PushLocked(bool failure) GW_REQUIRES(mu_);
  void RefreshLocked(Clock::TimePoint now) const GW_REQUIRES(mu_);

  const CircuitBreakerOptions options_;
  const Clock& clock_;
  mutable Mutex mu_;
  mutable BreakerState state_ GW_GUARDED_BY(mu_) = BreakerState::kClosed;
  std::vector<bool> outcomes_ GW_GUARDED_BY(mu_);  // ring of failures (true) / successes
  size_t next_ GW_GUARDED_BY(mu_) = 0;             // next slot in the ring
  size_t failures_ GW_GUARDED_BY(mu_) = 0;         // failures in the ring
  Clock::TimePoint opened_at_ GW_GUARDED_BY(mu_){};
  mutable size_t probes_left_ GW_GUARDED_BY(mu_) = 0;
  uint64_t open_count_ GW_GUARDED_BY(mu_) = 0;
};

}  // namespace gw::resilience
