#include "gw/base/result.h"

namespace gw {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kCancelled:
      return "cancelled";
    case Code::kInvalidArgument:
      return "invalid_argument";
    case Code::kDeadlineExceeded:
      return "deadline_exceeded";
    case Code::kNotFound:
      return "not_found";
    case Code::kAlreadyExists:
      return "already_exists";
    case Code::kPermissionDenied:
      return "permission_denied";
    case Code::kResourceExhausted:
      return "resource_exhausted";
    case Code::kFailedPrecondition:
      return "failed_precondition";
    case Code::kUnimplemented:
      return "unimplemented";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kUnauthenticated:
      return "unauthenticated";
    case Code::kInternal:
      return "internal";
    case Code::kDataLoss:
      return "data_loss";
    case Code::kAborted:
      return "aborted";
  }
  return "unknown";
}

std::string Error::ToString() const {
  std::string out(CodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

}  // namespace gw
