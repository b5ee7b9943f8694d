#include "gw/telemetry/otlp/otlp_exporter.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace gw::telemetry {
namespace {

TEST(OtlpExporter, RefusesEndpointsItCannotUse) {
  OtlpOptions https;
  https.endpoint = "https://collector:4318";
  auto a = OtlpExporter::Start(https, nullptr);
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message().find("https is not supported yet"), std::string::npos);
  OtlpOptions bad;
  bad.traces_url = "collector:4318/v1/traces";
  EXPECT_FALSE(OtlpExporter::Start(bad, nullptr));
  OtlpOptions grpc;
  grpc.endpoint = "http://collector:4317";
  grpc.protocol = "grpc";
  auto g = OtlpExporter::Start(grpc, nullptr);
  ASSERT_FALSE(g);
  EXPECT_NE(g.error().message().find("http/protobuf"), std::string::npos);
}

TEST(OtlpExporter, ReadsTheOpenTelemetryEnvironment) {
  setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318", 1);
  setenv("OTEL_SERVICE_NAME", "pi-7", 1);
  setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", 1);
  setenv("OTEL_RESOURCE_ATTRIBUTES", "site=north%20barn, rack = 3", 1);
  OtlpOptions o;
  ASSERT_TRUE(OtlpOptionsFromEnv(o));
  EXPECT_EQ(o.endpoint, "http://collector:4318");
  EXPECT_EQ(o.service_name, "pi-7");
  EXPECT_EQ(o.protocol, "http/json");
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
  unsetenv("OTEL_EXPORTER_OTLP_PROTOCOL");
  unsetenv("OTEL_RESOURCE_ATTRIBUTES");
}

}  // namespace
}  // namespace gw::telemetry
