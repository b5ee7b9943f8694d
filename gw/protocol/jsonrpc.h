// JSON-RPC 2.0 messages as MCP uses them: parsing one message from text with the exact
// error the spec requires, and building requests, notifications, results and errors.
// Spec: https://www.jsonrpc.org/specification ; MCP 2025-11-25 §Base Protocol.
//
// Ids are kept as their serialized JSON text (`7` or `"a-1"`), so they round-trip exactly
// and serve as map keys. Thread-safety: values; functions are reentrant.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gw/protocol/json.h"

namespace gw::protocol {

// JSON-RPC 2.0 and MCP error codes.
namespace rpc {
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
// MCP: a resource that does not exist (2025-11-25 §Resources, Error Handling).
inline constexpr int kResourceNotFound = -32002;
// Implementation-defined server errors (-32000..-32099).
inline constexpr int kServerUnavailable = -32000;
inline constexpr int kRequestCancelled = -32800;
}  // namespace rpc

enum class MessageKind { kRequest, kNotification, kResult, kError };

// One decoded JSON-RPC message. Owns its document; accessors point into it.
class Message {
 public:
  MessageKind kind() const { return kind_; }
  bool is_request() const { return kind_ == MessageKind::kRequest; }
  bool is_notification() const { return kind_ == MessageKind::kNotification; }
  bool is_response() const { return kind_ == MessageKind::kResult || kind_ == MessageKind::kError; }
  // Serialized id ("null" for notifications).
  const std::string& id() const { return id_; }
  const std::string& method() const { return method_; }
  // The params object, or a null value when absent.
  const JsonValue& params() const;
  // The result value (kResult) or the error object (kError); null otherwise.
  const JsonValue& result() const;
  const JsonValue& error() const;
  const JsonDocument& document() const { return doc_; }

 private:
  friend struct MessageParser;
  // The document's values live in `pool_`, sized to the message: RapidJSON's default pool
  // starts with a 64 KiB chunk, which cost more than the whole request on the hot path.
  explicit Message(size_t pool_chunk_bytes);

  MessageKind kind_ = MessageKind::kNotification;
  std::string id_ = "null";
  std::string method_;
  std::unique_ptr<rapidjson::MemoryPoolAllocator<>> pool_;
  JsonDocument doc_;
};

// Why a message was refused, ready to be sent back as a JSON-RPC error.
struct RpcFailure {
  int code;
  std::string message;
  std::string id = "null";  // the request id when it could be read, else null
};

// Parses and validates one message: -32700 for bad JSON; -32600 for a non-object, a batch,
// a wrong or missing "jsonrpc", a bad id type, a non-string method or non-structured params.
tl::expected<Message, RpcFailure> ParseMessage(std::string_view text);

// Builders. `params`/`result` are serialized JSON (use JsonWriter); empty params are omitted.
std::string MakeRequest(std::string_view id, std::string_view method, std::string_view params);
std::string MakeNotification(std::string_view method, std::string_view params);
std::string MakeResult(std::string_view id, std::string_view result);
// `data` is serialized JSON or empty.
std::string MakeErrorResponse(std::string_view id, int code, std::string_view message,
                              std::string_view data = {});

}  // namespace gw::protocol

namespace gw::protocol {
// True if `message`, built by MakeErrorResponse, is an error response. Cheap: looks at the
// member after the id instead of parsing. For messages of other origin, parse them.
bool IsErrorResponse(std::string_view message);
}  // namespace gw::protocol
