#include "gw/telemetry/metrics.h"

#include <gtest/gtest.h>

namespace gw::telemetry {
namespace {

TEST(Registry, EncodesCountersWithEscapedLabels) {
  Registry r;
  auto& requests = r.AddCounter("gw_requests_total", "Requests.", {"method", "outcome"});
  requests.With({"tools/call", "ok"}).Add(3);
  requests.With({"a\"b", "error"}).Add();
  std::string text = r.EncodePrometheus();
  EXPECT_NE(text.find("# TYPE gw_requests_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("gw_requests_total{method=\"tools/call\",outcome=\"ok\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("gw_requests_total{method=\"a\\\"b\",outcome=\"error\"} 1\n"),
            std::string::npos);
}

TEST(Registry, EncodesCumulativeHistogramBuckets) {
  Registry r;
  auto& h = r.AddHistogram("gw_seconds", "Latency.", {"m"}, {0.1, 1.0});
  h.With({"x"}).Observe(0.05);
  h.With({"x"}).Observe(0.5);
  h.With({"x"}).Observe(5);
  std::string text = r.EncodePrometheus();
  EXPECT_NE(text.find("gw_seconds_bucket{m=\"x\",le=\"0.10000000000000001\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("gw_seconds_bucket{m=\"x\",le=\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("gw_seconds_bucket{m=\"x\",le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("gw_seconds_count{m=\"x\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("gw_seconds_sum{m=\"x\"} 5.5"), std::string::npos);
}

TEST(Registry, GaugesAndGaugeFunctions) {
  Registry r;
  r.AddGauge("gw_sessions", "Sessions.").With({}).Set(4);
  r.AddGaugeFunction("gw_rss_bytes", "RSS.", [] { return 1024.0; });
  std::string text = r.EncodePrometheus();
  EXPECT_NE(text.find("gw_sessions 4\n"), std::string::npos);
  EXPECT_NE(text.find("gw_rss_bytes 1024\n"), std::string::npos);
}

TEST(Registry, CounterFunctionsAreTypedAsCounters) {
  Registry r;
  double bugs = 0;
  r.AddCounterFunction("gw_bugs_total", "Bugs.", [&] { return bugs; });
  bugs = 2;
  std::string text = r.EncodePrometheus();
  EXPECT_NE(text.find("# TYPE gw_bugs_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("gw_bugs_total 2\n"), std::string::npos);
}

}  // namespace
}  // namespace gw::telemetry
