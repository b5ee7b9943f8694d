#include "gw/protocol/json.h"

#include <rapidjson/error/en.h>

#include <array>
#include <cmath>
#include <vector>

namespace gw::protocol {

// RapidJSON 1.1.0 reads a number whose digits run past the double range (a long mantissa with
// a large exponent, found by the jsonrpc_parser fuzzer) as infinity instead of failing, and
// its Writer then stops at that value, leaving truncated output. No JSON number is infinite,
// so such a document is refused. Iterative: the nesting depth is the client's.
bool HasNonFiniteNumber(const JsonValue& root) {
  // The walk's stack: inline for the usual message, on the heap only past kInline pending
  // values (a parse per request should not allocate for this check).
  constexpr size_t kInline = 64;
  std::array<const JsonValue*, kInline> stack;
  size_t inline_size = 0;
  std::vector<const JsonValue*> spill;  // used only while the inline part is full
  auto push = [&](const JsonValue* v) {
    if (inline_size < kInline) {
      stack[inline_size++] = v;
    } else {
      spill.push_back(v);
    }
  };
  push(&root);
  while (inline_size > 0 || !spill.empty()) {
    const JsonValue* v;
    if (!spill.empty()) {
      v = spill.back();
      spill.pop_back();
    } else {
      v = stack[--inline_size];
    }
    if (v->IsDouble()) {
      if (!std::isfinite(v->GetDouble())) return true;
    } else if (v->IsObject()) {
      for (const auto& m : v->GetObject()) push(&m.value);
    } else if (v->IsArray()) {
      for (const auto& e : v->GetArray()) push(&e);
    }
  }
  return false;
}

Result<JsonDocument> ParseJson(std::string_view text) {
  JsonDocument doc;
  // kParseStopWhenDoneFlag is not set: trailing garbage after the value is an error.
  doc.Parse<rapidjson::kParseDefaultFlags>(text.data(), text.size());
  if (doc.HasParseError()) {
    std::string message = "invalid JSON at offset " + std::to_string(doc.GetErrorOffset()) + ": " +
                          rapidjson::GetParseError_En(doc.GetParseError());
    return InvalidArgument(std::move(message));
  }
  if (HasNonFiniteNumber(doc)) {
    return InvalidArgument("invalid JSON: a number too large for a double (beyond 1.8e308)");
  }
  return doc;
}

std::string Serialize(const JsonValue& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

const JsonValue* Member(const JsonValue& object, std::string_view key) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(rapidjson::Value(
      rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size()))));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

const JsonValue* ObjectMember(const JsonValue& object, std::string_view key) {
  const JsonValue* v = Member(object, key);
  return v && v->IsObject() ? v : nullptr;
}

const JsonValue* ArrayMember(const JsonValue& object, std::string_view key) {
  const JsonValue* v = Member(object, key);
  return v && v->IsArray() ? v : nullptr;
}

std::optional<std::string_view> StringMember(const JsonValue& object, std::string_view key) {
  const JsonValue* v = Member(object, key);
  if (!v || !v->IsString()) return std::nullopt;
  return AsView(*v);
}

std::optional<double> NumberMember(const JsonValue& object, std::string_view key) {
  const JsonValue* v = Member(object, key);
  if (!v || !v->IsNumber()) return std::nullopt;
  return v->GetDouble();
}

std::optional<int64_t> IntMember(const JsonValue& object, std::string_view key) {
  const JsonValue* v = Member(object, key);
  if (!v || !v->IsInt64()) return std::nullopt;
  return v->GetInt64();
}

std::optional<bool> BoolMember(const JsonValue& object, std::string_view key) {
  const JsonValue* v = Member(object, key);
  if (!v || !v->IsBool()) return std::nullopt;
  return v->GetBool();
}

std::string_view TypeName(const JsonValue& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType:
      return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return "boolean";
    case rapidjson::kObjectType:
      return "object";
    case rapidjson::kArrayType:
      return "array";
    case rapidjson::kStringType:
      return "string";
    case rapidjson::kNumberType:
      return v.IsInt64() || v.IsUint64() ? "integer" : "number";
  }
  return "unknown";
}

JsonValue& ObjectMemberOrAdd(JsonDocument& doc, std::string_view key) {
  rapidjson::Value::StringRefType name(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  auto it = doc.FindMember(name);
  if (it != doc.MemberEnd() && it->value.IsObject()) return it->value;
  if (it != doc.MemberEnd()) doc.RemoveMember(it);
  doc.AddMember(
      JsonValue(key.data(), static_cast<rapidjson::SizeType>(key.size()), doc.GetAllocator()),
      JsonValue(rapidjson::kObjectType), doc.GetAllocator());
  return doc.FindMember(name)->value;
}

void SetStringMember(JsonValue& object, std::string_view key, std::string_view value,
                     JsonDocument::AllocatorType& alloc) {
  rapidjson::Value::StringRefType name(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  object.RemoveMember(name);
  object.AddMember(JsonValue(key.data(), static_cast<rapidjson::SizeType>(key.size()), alloc),
                   JsonValue(value.data(), static_cast<rapidjson::SizeType>(value.size()), alloc),
                   alloc);
}

}  // namespace gw::protocol
