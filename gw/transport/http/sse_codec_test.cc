#include "gw/transport/http/sse_codec.h"

#include <gtest/gtest.h>

namespace gw::transport {
namespace {

TEST(SseCodec, EncodesIdAndData) {
  EXPECT_EQ(EncodeSseEvent("1-2", R"({"a":1})"), "id: 1-2\ndata: {\"a\":1}\n\n");
}

TEST(SseCodec, SplitsMultilineDataOnEveryLineBreakKind) {
  EXPECT_EQ(EncodeSseEvent("", "a\nb\r\nc\rd"), "data: a\ndata: b\ndata: c\ndata: d\n\n");
}

TEST(SseCodec, EmptyDataIsOneEmptyDataLine) {
  EXPECT_EQ(EncodeSseEvent("7-1", ""), "id: 7-1\ndata: \n\n");
}

TEST(SseCodec, RetryAndComment) {
  EXPECT_EQ(EncodeSseRetry(1500), "retry: 1500\n\n");
  EXPECT_EQ(EncodeSseComment("keepalive"), ": keepalive\n\n");
}

}  // namespace
}  // namespace gw::transport
