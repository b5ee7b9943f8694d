// JsonSchema: validation of tool arguments against a tool's inputSchema (JSON Schema
// 2020-12, the dialect MCP 2025-11-25 names as default).
//
// Supported keywords: type, enum, const, properties, required, additionalProperties,
// patternProperties (names only by prefix "^"), items, prefixItems, minItems, maxItems,
// uniqueItems, minLength, maxLength, minimum, maximum, exclusiveMinimum, exclusiveMaximum,
// multipleOf, minProperties, maxProperties, allOf, anyOf, oneOf, not, if/then/else, and
// local $ref ("#/$defs/..."). "format" is an annotation, as 2020-12 says by default;
// "pattern" is not checked (no regex engine in the wasm build) and is reported by
// unsupported_keywords(). Unknown keywords are ignored, as the spec requires.
//
// Ownership: owns its schema document. Thread-safety: Validate is const and reentrant.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gw/base/result.h"
#include "gw/protocol/json.h"

namespace gw::catalog {

class JsonSchema {
 public:
  // Parses `schema_json`. kInvalidArgument if it is not JSON or not an object/boolean.
  static Result<JsonSchema> Parse(std::string_view schema_json);

  // OK, or kInvalidArgument naming the first failing location and rule, e.g.
  // "/count: must be >= 1 (got 0)".
  Status Validate(const protocol::JsonValue& instance) const;

  const std::string& text() const { return text_; }
  const std::vector<std::string>& unsupported_keywords() const { return unsupported_; }

  JsonSchema(JsonSchema&&) = default;
  JsonSchema& operator=(JsonSchema&&) = default;

 private:
  JsonSchema() = default;
  std::string text_;
  protocol::JsonDocument doc_;
  std::vector<std::string> unsupported_;
};

}  // namespace gw::catalog
