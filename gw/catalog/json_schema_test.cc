#include "gw/catalog/json_schema.h"

#include <gtest/gtest.h>

namespace gw::catalog {
namespace {

Status Check(const char* schema, const char* instance) {
  auto s = JsonSchema::Parse(schema);
  EXPECT_TRUE(s) << s.error().message();
  auto doc = protocol::ParseJson(instance);
  EXPECT_TRUE(doc);
  return s->Validate(*doc);
}

std::string Why(const char* schema, const char* instance) {
  Status s = Check(schema, instance);
  return s ? "ok" : s.error().message();
}

TEST(JsonSchema, TypesAndRequired) {
  const char* schema =
      R"({"type":"object","properties":{"n":{"type":"integer"},"s":{"type":"string"}},"required":["n"]})";
  EXPECT_EQ(Why(schema, R"({"n":3,"s":"x"})"), "ok");
  EXPECT_EQ(Why(schema, R"({"n":3.0})"), "ok");  // 3.0 is an integer in JSON Schema
  EXPECT_EQ(Why(schema, R"({"s":"x"})"), "(root): missing required property 'n'");
  EXPECT_EQ(Why(schema, R"({"n":"3"})"), "/n: must be integer (got string)");
  EXPECT_EQ(Why(schema, R"([])"), "(root): must be object (got array)");
}

TEST(JsonSchema, NumbersStringsArrays) {
  EXPECT_EQ(Why(R"({"minimum":1,"maximum":5})", "0"), "(root): must be >= 1 (got 0)");
  EXPECT_EQ(Why(R"({"exclusiveMaximum":5})", "5"), "(root): must be < 5 (got 5)");
  EXPECT_EQ(Why(R"({"multipleOf":0.5})", "1.5"), "ok");
  EXPECT_EQ(Why(R"({"minLength":2})", R"("é")"), "(root): must be at least 2 characters long");
  EXPECT_EQ(Why(R"({"items":{"type":"string"},"maxItems":2})", R"(["a",1])"),
            "/1: must be string (got integer)");
  EXPECT_EQ(Why(R"({"uniqueItems":true})", R"([1,2,1])"),
            "(root): items must be unique (0 and 2 are equal)");
  EXPECT_EQ(Why(R"({"prefixItems":[{"type":"string"}],"items":false})", R"(["a","b"])"),
            "/1: no value is allowed here");
}

TEST(JsonSchema, EnumConstAndCombinators) {
  EXPECT_EQ(Why(R"({"enum":["a","b"]})", R"("c")"),
            "(root): must be one of [\"a\",\"b\"] (got \"c\")");
  EXPECT_EQ(Why(R"({"const":3})", "3"), "ok");
  EXPECT_EQ(Why(R"({"anyOf":[{"type":"string"},{"type":"null"}]})", "null"), "ok");
  EXPECT_EQ(Why(R"({"oneOf":[{"minimum":0},{"maximum":10}]})", "5"),
            "(root): must match exactly one schema in oneOf (matched 2)");
  EXPECT_EQ(Why(R"({"not":{"type":"string"}})", R"("x")"),
            "(root): must not match the schema in 'not'");
  EXPECT_EQ(Why(R"({"if":{"minimum":10},"then":{"multipleOf":10}})", "15"),
            "(root): must be a multiple of 10");
}

TEST(JsonSchema, AdditionalPropertiesAndRefs) {
  const char* schema =
      R"({"type":"object","$defs":{"addr":{"type":"object","properties":{"city":{"type":"string"}}}},
    "properties":{"a":{"$ref":"#/$defs/addr"}},"additionalProperties":false})";
  EXPECT_EQ(Why(schema, R"({"a":{"city":"Oslo"}})"), "ok");
  EXPECT_EQ(Why(schema, R"({"a":{"city":1}})"), "/a/city: must be string (got integer)");
  EXPECT_EQ(Why(schema, R"({"b":1})"), "(root): unexpected property 'b'");
  EXPECT_EQ(Why(R"({"$ref":"#/$defs/missing"})", "1"),
            "(root): schema $ref '#/$defs/missing' cannot be resolved");
}

TEST(JsonSchema, CyclicRefStopsInsteadOfRecursingForever) {
  EXPECT_EQ(Why(R"({"$defs":{"x":{"$ref":"#/$defs/x"}},"$ref":"#/$defs/x"})", "1"),
            "(root): schema nests too deeply (cyclic $ref?)");
}

TEST(JsonSchema, RejectsNonSchemasAndReportsUnsupportedKeywords) {
  EXPECT_FALSE(JsonSchema::Parse("[1]"));
  EXPECT_FALSE(JsonSchema::Parse("{"));
  auto s = JsonSchema::Parse(R"({"properties":{"x":{"pattern":"^a"}}})");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->unsupported_keywords(), std::vector<std::string>{"pattern"});
  EXPECT_TRUE(JsonSchema::Parse("true")->Validate(*protocol::ParseJson("5")));
  EXPECT_FALSE(JsonSchema::Parse("false")->Validate(*protocol::ParseJson("5")));
}

}  // namespace
}  // namespace gw::catalog
