// JSON helpers over RapidJSON: parsing with readable errors, typed lookups that never assert
// on untrusted input, and JsonWriter for building messages without a DOM.
//
// Thread-safety: free functions are reentrant; a JsonWriter belongs to one thread.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gw/base/result.h"

namespace gw::protocol {

using JsonValue = rapidjson::Value;
using JsonDocument = rapidjson::Document;

// Parses `text` as one JSON value. Returns kInvalidArgument naming the offset and reason.
Result<JsonDocument> ParseJson(std::string_view text);
// True when `value` holds an infinite or NaN number: what RapidJSON makes of a number past the
// double range, which JSON cannot carry (the parsers here refuse such documents).
bool HasNonFiniteNumber(const JsonValue& value);

// Compact serialization of `value`.
std::string Serialize(const JsonValue& value);

// Typed member lookups: nullptr / nullopt when `object` is not an object, the key is absent,
// or the member has another type.
const JsonValue* Member(const JsonValue& object, std::string_view key);
const JsonValue* ObjectMember(const JsonValue& object, std::string_view key);
const JsonValue* ArrayMember(const JsonValue& object, std::string_view key);
std::optional<std::string_view> StringMember(const JsonValue& object, std::string_view key);
std::optional<double> NumberMember(const JsonValue& object, std::string_view key);
std::optional<int64_t> IntMember(const JsonValue& object, std::string_view key);
std::optional<bool> BoolMember(const JsonValue& object, std::string_view key);

// The object member `key` of `doc`, added (or replacing a non-object) when missing.
JsonValue& ObjectMemberOrAdd(JsonDocument& doc, std::string_view key);
// Sets `object[key] = value` (a string), replacing any member of that name.
void SetStringMember(JsonValue& object, std::string_view key, std::string_view value,
                     JsonDocument::AllocatorType& alloc);

inline std::string_view AsView(const JsonValue& v) {
  return std::string_view(v.GetString(), v.GetStringLength());
}
// The JSON type name of `v` for error messages: "string", "object", ...
std::string_view TypeName(const JsonValue& v);

// Streams JSON text into a string. Keys and values are written in call order; the caller
// keeps objects and arrays balanced. Raw() splices already-serialized JSON.
class JsonWriter {
 public:
  JsonWriter() : writer_(buffer_) {}
  JsonWriter& StartObject() {
    writer_.StartObject();
    return *this;
  }
  JsonWriter& EndObject() {
    writer_.EndObject();
    return *this;
  }
  JsonWriter& StartArray() {
    writer_.StartArray();
    return *this;
  }
  JsonWriter& EndArray() {
    writer_.EndArray();
    return *this;
  }
  JsonWriter& Key(std::string_view key) {
    writer_.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    return *this;
  }
  JsonWriter& String(std::string_view s) {
    writer_.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return *this;
  }
  JsonWriter& Int(int64_t v) {
    writer_.Int64(v);
    return *this;
  }
  JsonWriter& Uint(uint64_t v) {
    writer_.Uint64(v);
    return *this;
  }
  JsonWriter& Double(double v) {
    writer_.Double(v);
    return *this;
  }
  JsonWriter& Bool(bool v) {
    writer_.Bool(v);
    return *this;
  }
  JsonWriter& Null() {
    writer_.Null();
    return *this;
  }
  JsonWriter& Raw(std::string_view json) {
    writer_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
    return *this;
  }
  JsonWriter& Value(const JsonValue& v) {
    v.Accept(writer_);
    return *this;
  }
  // Key + value shorthands.
  JsonWriter& Field(std::string_view key, std::string_view v) { return Key(key).String(v); }
  JsonWriter& Field(std::string_view key, const char* v) { return Key(key).String(v); }
  JsonWriter& Field(std::string_view key, int64_t v) { return Key(key).Int(v); }
  JsonWriter& Field(std::string_view key, int v) { return Key(key).Int(v); }
  JsonWriter& Field(std::string_view key, bool v) { return Key(key).Bool(v); }
  JsonWriter& Field(std::string_view key, double v) { return Key(key).Double(v); }

  std::string str() const { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

}  // namespace gw::protocol
