#include "gw/queue/record.h"

namespace gw::queue {

std::string_view PriorityName(Priority p) {
  switch (p) {
    case Priority::kHigh:
      return "high";
    case Priority::kNormal:
      return "normal";
    case Priority::kLow:
      return "low";
  }
  return "normal";
}

std::string_view RecordStateName(RecordState s) {
  switch (s) {
    case RecordState::kQueued:
      return "queued";
    case RecordState::kDelivering:
      return "delivering";
    case RecordState::kDone:
      return "done";
    case RecordState::kDead:
      return "dead";
    case RecordState::kCancelled:
      return "cancelled";
    case RecordState::kExpired:
      return "expired";
  }
  return "queued";
}

bool ParsePriority(std::string_view text, Priority* out) {
  for (Priority p : {Priority::kHigh, Priority::kNormal, Priority::kLow}) {
    if (PriorityName(p) == text) return (*out = p), true;
  }
  return false;
}

bool ParseRecordState(std::string_view text, RecordState* out) {
  for (int i = 0; i <= static_cast<int>(RecordState::kExpired); ++i) {
    auto s = static_cast<RecordState>(i);
    if (RecordStateName(s) == text) return (*out = s), true;
  }
  return false;
}

size_t Record::footprint() const {
  return 64 + task_id.size() + idempotency_key.size() + upstream.size() + method.size() +
         params.size() + precondition.size() + result.size() + last_error.size();
}

}  // namespace gw::queue
