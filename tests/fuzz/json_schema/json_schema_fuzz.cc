// Fuzz target: the JSON Schema validator (tool arguments against a tool's inputSchema). Both
// come from outside: schemas from upstream servers' tool lists, instances from clients. For
// any schema and instance: Parse and Validate never crash, never recurse without bound, and
// Validate gives the same verdict twice.
// Input: a schema and an instance, separated by the first NUL byte (no NUL: the input is
// both).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gw/base/check.h"
#include "gw/catalog/json_schema.h"
#include "gw/protocol/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t cut = text.find('\0');
  std::string_view schema_text = cut == std::string_view::npos ? text : text.substr(0, cut);
  std::string_view instance_text = cut == std::string_view::npos ? text : text.substr(cut + 1);
  auto schema = gw::catalog::JsonSchema::Parse(schema_text);
  if (!schema) return 0;
  auto instance = gw::protocol::ParseJson(instance_text);
  if (!instance) return 0;
  gw::Status first = schema->Validate(*instance);
  gw::Status second = schema->Validate(*instance);
  GW_CHECK(first.has_value() == second.has_value());
  if (!first) GW_CHECK(first.error().message() == second.error().message());
  return 0;
}
