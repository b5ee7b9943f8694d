#include "gw/transport/http/sse_codec.h"

#include <gtest/gtest.h>

#include <vector>

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

std::vector<SseEvent> DecodeAll(SseDecoder& d, const std::vector<std::string>& pieces) {
  std::vector<SseEvent> events;
  for (const std::string& p : pieces) {
    EXPECT_TRUE(d.Feed(p, [&](SseEvent e) { events.push_back(std::move(e)); }).has_value());
  }
  return events;
}

TEST(SseDecoder, DecodesWhatTheEncoderWrites) {
  SseDecoder d;
  auto events = DecodeAll(d, {EncodeSseRetry(250) + EncodeSseEvent("7", "a\nb", "message") +
                              EncodeSseComment("keep-alive") + EncodeSseEvent("8", "c")});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].id, "7");
  EXPECT_EQ(events[0].event, "message");
  EXPECT_EQ(events[0].data, "a\nb");
  EXPECT_EQ(events[1].id, "8");
  EXPECT_EQ(events[1].data, "c");
  EXPECT_EQ(d.retry_ms(), 250);
  EXPECT_EQ(d.last_event_id(), "8");
}

TEST(SseDecoder, EveryByteSplitAndEveryLineEndGiveTheSameEvents) {
  const std::string text = "\xEF\xBB\xBFid: 1\r\ndata: x\r\rdata:y\ndata\n\nid: 2\rdata: z\r\n\r\n";
  SseDecoder whole;
  auto expected = DecodeAll(whole, {text});
  ASSERT_EQ(expected.size(), 3u);
  EXPECT_EQ(expected[0].data, "x");
  EXPECT_EQ(expected[1].data, "y\n");
  EXPECT_EQ(expected[1].id, "1");
  EXPECT_EQ(expected[2].id, "2");
  std::vector<std::string> bytes;
  for (char c : text) bytes.emplace_back(1, c);
  SseDecoder split;
  auto got = DecodeAll(split, bytes);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].data, expected[i].data);
    EXPECT_EQ(got[i].id, expected[i].id);
  }
}

TEST(SseDecoder, IdOnlyEventsSetTheResumePointWithoutDispatching) {
  SseDecoder d;
  auto events = DecodeAll(d, {"id: prime-1\ndata:\n\n", "id: 5\n\n", "retry: soon\n\n"});
  ASSERT_EQ(events.size(), 1u);  // "data:" with an empty value is still data
  EXPECT_EQ(events[0].data, "");
  EXPECT_EQ(d.last_event_id(), "5");
  EXPECT_FALSE(d.retry_ms().has_value());  // not digits: ignored
}

TEST(SseDecoder, RefusesAnEventOverItsBound) {
  SseDecoder d(16);
  Status s = d.Feed("data: 0123456789abcdefgh", [](SseEvent) {});
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), Code::kResourceExhausted);
  SseDecoder d2(16);
  s = d2.Feed("data: 0123456789\ndata: 0123456789\n", [](SseEvent) {});
  EXPECT_FALSE(s.has_value());
}

}  // namespace
}  // namespace gw::transport
