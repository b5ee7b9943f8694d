#include "gw/resilience/retry_policy.h"

#include <algorithm>

namespace gw::resilience {

std::string_view FailureKindName(FailureKind kind) {
  switch (kind) {
    case FailureKind::kConnectRefused:
      return "connect_refused";
    case FailureKind::kResetBeforeSend:
      return "reset_before_send";
    case FailureKind::kResetAfterSend:
      return "reset_after_send";
    case FailureKind::kTimeout:
      return "timeout";
    case FailureKind::kHttpBadGateway:
      return "http_502";
    case FailureKind::kHttpUnavailable:
      return "http_503";
    case FailureKind::kHttpGatewayTimeout:
      return "http_504";
    case FailureKind::kHttpTooManyRequests:
      return "http_429";
    case FailureKind::kHttpOtherError:
      return "http_error";
    case FailureKind::kProtocolError:
      return "protocol_error";
    case FailureKind::kSessionExpired:
      return "session_expired";
  }
  return "unknown";
}

bool RetryPolicy::ShouldRetry(const Failure& failure, int attempt, bool idempotent) const {
  if (attempt >= max_attempts) return false;
  if (failure.retry_after && *failure.retry_after > max_retry_after) return false;
  switch (failure.kind) {
    case FailureKind::kConnectRefused:
    case FailureKind::kResetBeforeSend:
    case FailureKind::kSessionExpired:
      return true;  // the upstream never saw (or never ran) the request
    case FailureKind::kHttpBadGateway:
    case FailureKind::kHttpUnavailable:
    case FailureKind::kHttpGatewayTimeout:
    case FailureKind::kHttpTooManyRequests:
      return true;  // refused before processing (RFC 9110 §15.6.3-5, RFC 6585 §4)
    case FailureKind::kResetAfterSend:
    case FailureKind::kTimeout:
      return idempotent;  // it may have run
    case FailureKind::kHttpOtherError:
    case FailureKind::kProtocolError:
      return false;  // trying again gives the same answer
  }
  return false;
}

std::chrono::milliseconds RetryPolicy::Delay(const Failure& failure, int attempt,
                                             Random& random) const {
  // base * 2^(attempt-1), saturating at max_delay without overflow.
  int64_t ceiling = base_delay.count();
  for (int i = 1; i < attempt && ceiling < max_delay.count(); ++i) ceiling *= 2;
  ceiling = std::min<int64_t>(ceiling, max_delay.count());
  auto jittered = std::chrono::milliseconds(
      static_cast<int64_t>(random.Uniform(static_cast<uint64_t>(ceiling) + 1)));
  if (failure.retry_after) return std::max(jittered, *failure.retry_after);
  return jittered;
}

bool IsIdempotentMethod(std::string_view method) {
  return method == "ping" || method == "tools/list" || method == "resources/list" ||
         method == "resources/templates/list" || method == "resources/read" ||
         method == "prompts/list" || method == "prompts/get" || method == "completion/complete" ||
         method == "tasks/get" || method == "tasks/list" || method == "tasks/result";
}

}  // namespace gw::resilience
