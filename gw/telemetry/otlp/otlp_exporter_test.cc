#include "gw/telemetry/otlp/otlp_exporter.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdlib>

namespace gw::telemetry {
namespace {

TEST(OtlpExporter, EncodesSpansAsOtlpJson) {
  OtlpOptions o;
  o.endpoint = "http://127.0.0.1:9";  // nothing listens; nothing is sent in this test
  o.service_name = "edge-1";
  o.resource_attributes = {{"deployment.environment", "lab"}};
  auto exporter = OtlpExporter::Start(o, nullptr);
  ASSERT_TRUE(exporter) << exporter.error().message();
  Span s;
  s.trace_id = "0af7651916cd43dd8448eb211c80319c";
  s.span_id = "b7ad6b7169203331";
  s.parent_span_id = "00f067aa0ba902b7";
  s.name = "tools/call echo";
  s.kind = SpanKind::kServer;
  s.start_unix_ns = 1700000000000000000;
  s.end_unix_ns = 1700000000000500000;
  s.Attr("mcp.method.name", "tools/call").Attr("edgegw.attempts", int64_t{3});
  s.error = true;
  s.status_message = "boom";
  rapidjson::Document d;
  d.Parse((*exporter)->Encode({s}).c_str());
  ASSERT_FALSE(d.HasParseError());
  const auto& rs = d["resourceSpans"][0];
  EXPECT_STREQ(rs["resource"]["attributes"][0]["key"].GetString(), "service.name");
  EXPECT_STREQ(rs["resource"]["attributes"][0]["value"]["stringValue"].GetString(), "edge-1");
  EXPECT_STREQ(rs["resource"]["attributes"][1]["key"].GetString(), "deployment.environment");
  const auto& span = rs["scopeSpans"][0]["spans"][0];
  EXPECT_STREQ(span["traceId"].GetString(), s.trace_id.c_str());
  EXPECT_STREQ(span["parentSpanId"].GetString(), s.parent_span_id.c_str());
  EXPECT_EQ(span["kind"].GetInt(), 2);
  EXPECT_STREQ(span["startTimeUnixNano"].GetString(), "1700000000000000000");
  EXPECT_STREQ(span["attributes"][1]["value"]["intValue"].GetString(), "3");
  EXPECT_EQ(span["status"]["code"].GetInt(), 2);
  EXPECT_STREQ(span["status"]["message"].GetString(), "boom");
}

TEST(OtlpExporter, RefusesEndpointsItCannotUse) {
  OtlpOptions https;
  https.endpoint = "https://collector:4318";
  auto a = OtlpExporter::Start(https, nullptr);
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message().find("https is not supported yet"), std::string::npos);
  OtlpOptions bad;
  bad.traces_url = "collector:4318/v1/traces";
  EXPECT_FALSE(OtlpExporter::Start(bad, nullptr));
}

TEST(OtlpExporter, ReadsTheOpenTelemetryEnvironment) {
  setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318", 1);
  setenv("OTEL_SERVICE_NAME", "pi-7", 1);
  setenv("OTEL_RESOURCE_ATTRIBUTES", "site=north%20barn, rack = 3", 1);
  OtlpOptions o;
  ASSERT_TRUE(OtlpOptionsFromEnv(o));
  EXPECT_EQ(o.endpoint, "http://collector:4318");
  EXPECT_EQ(o.service_name, "pi-7");
  ASSERT_EQ(o.resource_attributes.size(), 2u);
  EXPECT_EQ(o.resource_attributes[0], (std::pair<std::string, std::string>{"site", "north barn"}));
  EXPECT_EQ(o.resource_attributes[1], (std::pair<std::string, std::string>{"rack", "3"}));
  OtlpOptions configured;  // what the config file says wins
  configured.endpoint = "http://local:4318";
  ASSERT_TRUE(OtlpOptionsFromEnv(configured));
  EXPECT_EQ(configured.endpoint, "http://local:4318");
  setenv("OTEL_RESOURCE_ATTRIBUTES", "novalue", 1);
  OtlpOptions broken;
  EXPECT_FALSE(OtlpOptionsFromEnv(broken));
  unsetenv("OTEL_EXPORTER_OTLP_ENDPOINT");
  unsetenv("OTEL_SERVICE_NAME");
  unsetenv("OTEL_RESOURCE_ATTRIBUTES");
}

}  // namespace
}  // namespace gw::telemetry
