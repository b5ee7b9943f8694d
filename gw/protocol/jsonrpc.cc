#include "gw/protocol/jsonrpc.h"

#include <algorithm>

namespace gw::protocol {
namespace {

const JsonValue& NullValue() {
  static const JsonValue kNull;
  return kNull;
}

bool IsValidId(const JsonValue& id) {
  // JSON-RPC allows string, number or null; MCP forbids null ids for requests.
  return id.IsString() || id.IsInt64() || id.IsUint64();
}

}  // namespace

Message::Message(size_t pool_chunk_bytes)
    : pool_(std::make_unique<rapidjson::MemoryPoolAllocator<>>(pool_chunk_bytes)),
      doc_(pool_.get()) {}

struct MessageParser {
  static tl::expected<Message, RpcFailure> Parse(std::string_view text) {
    // Parsed values take about twice the text; later chunks are added if needed.
    Message m(std::clamp<size_t>(text.size() * 2 + 256, 1024, 64 * 1024));
    m.doc_.Parse(text.data(), text.size());
    if (m.doc_.HasParseError()) {
      Result<JsonDocument> why = ParseJson(text);
      return tl::unexpected(RpcFailure{
          rpc::kParseError,
          "Parse error: " + (why ? std::string("invalid JSON") : why.error().message())});
    }
    const JsonDocument& d = m.doc_;
    if (HasNonFiniteNumber(d)) {
      return tl::unexpected(RpcFailure{
          rpc::kParseError, "Parse error: a number too large for a double (beyond 1.8e308)"});
    }
    if (d.IsArray()) {
      return tl::unexpected(RpcFailure{rpc::kInvalidRequest,
                                       "Invalid Request: JSON-RPC batches are not supported; "
                                       "send one message per request"});
    }
    if (!d.IsObject()) {
      return tl::unexpected(RpcFailure{
          rpc::kInvalidRequest, "Invalid Request: a JSON-RPC message must be an object, got " +
                                    std::string(TypeName(d))});
    }
    std::string id = "null";
    const JsonValue* id_value = Member(d, "id");
    if (id_value && IsValidId(*id_value)) id = Serialize(*id_value);

    auto version = StringMember(d, "jsonrpc");
    if (!version || *version != "2.0") {
      return tl::unexpected(RpcFailure{
          rpc::kInvalidRequest, "Invalid Request: \"jsonrpc\" must be the string \"2.0\"", id});
    }
    if (id_value && !IsValidId(*id_value)) {
      return tl::unexpected(RpcFailure{rpc::kInvalidRequest,
                                       "Invalid Request: \"id\" must be a string or an integer"});
    }
    const JsonValue* method = Member(d, "method");
    if (method) {
      if (!method->IsString()) {
        return tl::unexpected(
            RpcFailure{rpc::kInvalidRequest, "Invalid Request: \"method\" must be a string", id});
      }
      const JsonValue* params = Member(d, "params");
      if (params && !params->IsObject() && !params->IsArray()) {
        return tl::unexpected(
            RpcFailure{rpc::kInvalidRequest, "Invalid Request: \"params\" must be an object", id});
      }
      m.method_ = std::string(AsView(*method));
      m.id_ = id;
      m.kind_ = id_value ? MessageKind::kRequest : MessageKind::kNotification;
      return m;
    }
    // A response: exactly one of result / error, and an id.
    const JsonValue* result = Member(d, "result");
    const JsonValue* error = Member(d, "error");
    if (!id_value || (result != nullptr) == (error != nullptr)) {
      return tl::unexpected(RpcFailure{
          rpc::kInvalidRequest,
          "Invalid Request: a message needs \"method\", or an \"id\" with exactly one of "
          "\"result\" and \"error\"",
          id});
    }
    if (error && (!error->IsObject() || !IntMember(*error, "code"))) {
      return tl::unexpected(
          RpcFailure{rpc::kInvalidRequest,
                     "Invalid Request: \"error\" must be an object with an integer code", id});
    }
    m.id_ = id;
    m.kind_ = result ? MessageKind::kResult : MessageKind::kError;
    return m;
  }
};

const JsonValue& Message::params() const {
  const JsonValue* p = Member(doc_, "params");
  return p ? *p : NullValue();
}

const JsonValue& Message::result() const {
  const JsonValue* p = kind_ == MessageKind::kResult ? Member(doc_, "result") : nullptr;
  return p ? *p : NullValue();
}

const JsonValue& Message::error() const {
  const JsonValue* p = kind_ == MessageKind::kError ? Member(doc_, "error") : nullptr;
  return p ? *p : NullValue();
}

tl::expected<Message, RpcFailure> ParseMessage(std::string_view text) {
  return MessageParser::Parse(text);
}

std::string MakeRequest(std::string_view id, std::string_view method, std::string_view params) {
  JsonWriter w;
  w.StartObject().Field("jsonrpc", "2.0").Key("id").Raw(id).Field("method", method);
  if (!params.empty()) w.Key("params").Raw(params);
  w.EndObject();
  return w.str();
}

std::string MakeNotification(std::string_view method, std::string_view params) {
  JsonWriter w;
  w.StartObject().Field("jsonrpc", "2.0").Field("method", method);
  if (!params.empty()) w.Key("params").Raw(params);
  w.EndObject();
  return w.str();
}

std::string MakeResult(std::string_view id, std::string_view result) {
  std::string out;
  out.reserve(result.size() + id.size() + 32);
  out += R"({"jsonrpc":"2.0","id":)";
  out += id;
  out += R"(,"result":)";
  out += result.empty() ? std::string_view("{}") : result;
  out += '}';
  return out;
}

std::string MakeErrorResponse(std::string_view id, int code, std::string_view message,
                              std::string_view data) {
  JsonWriter w;
  w.StartObject().Field("jsonrpc", "2.0").Key("id").Raw(id.empty() ? "null" : id);
  w.Key("error").StartObject().Field("code", code).Field("message", message);
  if (!data.empty()) w.Key("data").Raw(data);
  w.EndObject().EndObject();
  return w.str();
}

}  // namespace gw::protocol

namespace gw::protocol {
bool IsErrorResponse(std::string_view message) {
  // Our builders write {"jsonrpc":"2.0","id":<id>,"error":... or ...,"result":...
  constexpr std::string_view kPrefix = R"({"jsonrpc":"2.0","id":)";
  if (message.substr(0, kPrefix.size()) != kPrefix) return false;
  size_t result = message.find(R"(,"result":)", kPrefix.size());
  size_t error = message.find(R"(,"error":{)", kPrefix.size());
  return error != std::string_view::npos && (result == std::string_view::npos || error < result);
}
}  // namespace gw::protocol
