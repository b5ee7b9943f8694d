// Result<T> and Status: the one error type of edgegw.
//
// A Result<T> holds either a T or an Error (a canonical Code plus a message for people).
// Codes mean what absl::StatusCode / google.rpc.Code mean, so they map 1:1 onto gRPC status
// and, in exactly one place (gw/protocol/error_mapping.h), onto JSON-RPC error codes.
// No exception crosses a module boundary; code that builds for wasm32 never throws.
//
// Thread-safety: value types; the usual rules for values apply.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>

namespace gw {

enum class Code : uint8_t {
  kOk = 0,
  kCancelled,           // The caller cancelled the operation.
  kInvalidArgument,     // The input is wrong regardless of system state (bad JSON, bad params).
  kDeadlineExceeded,    // The operation did not finish in time; it may have had effects.
  kNotFound,            // A named thing (tool, session, resource, task) does not exist.
  kAlreadyExists,       // A thing the caller tried to create exists already.
  kPermissionDenied,    // The caller is known but not allowed (policy, Origin check).
  kResourceExhausted,   // A budget is full: bytes, records, sessions, rate.
  kFailedPrecondition,  // The system is not in a state for this (e.g. before initialize).
  kUnimplemented,       // The method or feature is not provided by this gateway.
  kUnavailable,         // Transient: retry later (upstream down, breaker open).
  kUnauthenticated,     // No valid credentials.
  kInternal,            // An invariant broke; a bug of ours.
  kDataLoss,            // Stored data is corrupt or lost.
  kAborted,             // It broke off midway (a peer vanished mid-call); it may have had effects.
};

// Returns the stable lower_snake name of `code` ("invalid_argument"), used in metrics labels.
std::string_view CodeName(Code code);

class Error {
 public:
  Error(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid_argument: <message>".
  std::string ToString() const;

 private:
  Code code_;
  std::string message_;
};

template <class T>
class [[nodiscard]] Result : public tl::expected<T, Error> {
 public:
  using tl::expected<T, Error>::expected;
  Result(Error error) : tl::expected<T, Error>(tl::unexpect, std::move(error)) {}
};
using Status = Result<void>;

inline Status OkStatus() { return {}; }

// Shorthands that read well at the failure site: `return InvalidArgument("no such key")`.
inline Error MakeError(Code code, std::string message) { return Error(code, std::move(message)); }
inline Error InvalidArgument(std::string m) { return Error(Code::kInvalidArgument, std::move(m)); }
inline Error NotFound(std::string m) { return Error(Code::kNotFound, std::move(m)); }
inline Error FailedPrecondition(std::string m) {
  return Error(Code::kFailedPrecondition, std::move(m));
}
inline Error Internal(std::string m) { return Error(Code::kInternal, std::move(m)); }
inline Error Unavailable(std::string m) { return Error(Code::kUnavailable, std::move(m)); }
inline Error ResourceExhausted(std::string m) {
  return Error(Code::kResourceExhausted, std::move(m));
}
inline Error PermissionDenied(std::string m) {
  return Error(Code::kPermissionDenied, std::move(m));
}
inline Error Unimplemented(std::string m) { return Error(Code::kUnimplemented, std::move(m)); }

}  // namespace gw

#define GW_INTERNAL_CONCAT2(a, b) a##b
#define GW_INTERNAL_CONCAT(a, b) GW_INTERNAL_CONCAT2(a, b)

// Returns the error of `expr` (a Result or Status) from the enclosing function.
#define GW_RETURN_IF_ERROR(expr)                                       \
  do {                                                                 \
    auto gw_status_ = (expr);                                          \
    if (!gw_status_.has_value()) return std::move(gw_status_).error(); \
  } while (0)

// `GW_ASSIGN_OR_RETURN(auto x, MakeX());` declares x from the value or returns the error.
#define GW_ASSIGN_OR_RETURN(lhs, expr) \
  GW_INTERNAL_ASSIGN_OR_RETURN(GW_INTERNAL_CONCAT(gw_result_, __LINE__), lhs, expr)
// `tmp` is a name and `lhs` a declaration: neither can take parentheses.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define GW_INTERNAL_ASSIGN_OR_RETURN(tmp, lhs, expr)   \
  auto tmp = (expr);                                   \
  if (!tmp.has_value()) return std::move(tmp).error(); \
  lhs = std::move(*tmp)
// NOLINTEND(bugprone-macro-parentheses)
