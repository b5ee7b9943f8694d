// RetryPolicy: which failed upstream calls may be tried again, and how long to wait first.
//
// Safe to retry (issue 3): the request never reached the upstream (connect refused, reset
// before the request was sent), the upstream said so (502, 503, 504, or 429 with its
// Retry-After), or the call is idempotent. A tools/call that may have run is never retried
// unless its tool is marked idempotent. Waits grow exponentially with full jitter
// (a uniform draw in [0, min(cap, base * 2^attempt)]), and never undercut Retry-After.
//
// A pure value: no clock, no sleeping; the caller schedules the wait. Thread-safety: const
// methods are reentrant; the Random passed in must be thread-safe if shared.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "gw/base/random.h"

namespace gw::resilience {

enum class FailureKind : uint8_t {
  kConnectRefused,       // no connection: the request was not sent
  kResetBeforeSend,      // the connection broke before the request was fully written
  kResetAfterSend,       // the connection broke after the request was sent: it may have run
  kTimeout,              // no answer in time: it may have run
  kHttpBadGateway,       // 502
  kHttpUnavailable,      // 503
  kHttpGatewayTimeout,   // 504
  kHttpTooManyRequests,  // 429
  kHttpOtherError,       // any other 4xx/5xx
  kProtocolError,        // the upstream answered something that is not valid MCP
  kSessionExpired,       // 404 for our session id: the request was not run; reconnect first
};

std::string_view FailureKindName(FailureKind kind);

struct Failure {
  FailureKind kind;
  // From a Retry-After header (429/503), when present.
  std::optional<std::chrono::milliseconds> retry_after = std::nullopt;
};

struct RetryPolicy {
  int max_attempts = 3;  // including the first
  std::chrono::milliseconds base_delay{100};
  std::chrono::milliseconds max_delay{5000};
  // A Retry-After longer than this is not waited for: the call fails instead.
  std::chrono::milliseconds max_retry_after{30000};

  // Whether attempt number `attempt` (1 = the first try) that failed with `failure` may be
  // tried again. `idempotent`: the request is safe to repeat (reads, lists, tools marked so).
  bool ShouldRetry(const Failure& failure, int attempt, bool idempotent) const;

  // How long to wait before the attempt after `attempt`: full jitter drawn from `random`,
  // at least the Retry-After.
  std::chrono::milliseconds Delay(const Failure& failure, int attempt, Random& random) const;
};

// True for MCP methods that never change upstream state and may be repeated freely.
bool IsIdempotentMethod(std::string_view method);

}  // namespace gw::resilience
