#include "gw/base/trace_context.h"

#include <gtest/gtest.h>

namespace gw {
namespace {

TEST(TraceContext, ReadsAndWritesVersion00) {
  auto c = ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->trace_id.Hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(c->span_id.Hex(), "00f067aa0ba902b7");
  EXPECT_EQ(c->span_id.bytes[1], 0xf0);
  EXPECT_TRUE(c->sampled);
  EXPECT_EQ(c->Traceparent(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  auto unsampled = ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(unsampled);
  EXPECT_FALSE(unsampled->sampled);
}

TEST(TraceContext, RefusesWhatTheSpecRefuses) {
  for (const char* bad : {
           "",
           "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // unknown version
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero span id
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // upper case
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // trailing data
           "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",    // misplaced dash
       }) {
    EXPECT_FALSE(ParseTraceparent(bad)) << bad;
  }
}

TEST(TraceContext, RandomIdsAreNeverZero) {
  struct Zeros : Random {
    uint64_t Next() override { return 0; }
  } zeros;
  EXPECT_FALSE(TraceId::Random(zeros).empty());
  EXPECT_FALSE(SpanId::Random(zeros).empty());
  EXPECT_EQ(SpanId::Random(zeros).Hex(), "0000000000000001");
  EXPECT_TRUE(TraceId().empty());
}

}  // namespace
}  // namespace gw
