#include "gw/transport/http/event_stream.h"

#include <gtest/gtest.h>

namespace gw::transport {
namespace {

TEST(EventStream, ReplaysEventsAfterACursor) {
  EventStream s(3, 10);
  s.Push("a", false);
  s.Push("b", false);
  s.Push("c", true);
  bool finished = false;
  auto events = s.Since(1, &finished);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "b");
  EXPECT_EQ(events[1].seq, 3u);
  EXPECT_TRUE(finished);
  s.Push("late", false);  // ignored after the end
  EXPECT_EQ(s.size(), 3u);
}

TEST(EventStream, ForgetsOldestBeyondRetention) {
  EventStream s(1, 2);
  for (const char* d : {"1", "2", "3"}) s.Push(d, false);
  auto events = s.Since(0, nullptr);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "2");
}

TEST(EventStream, OneWriterAtATimeAndWakesIt) {
  EventStream s(1, 4);
  int wakes = 0;
  EXPECT_TRUE(s.Attach([&] { ++wakes; }));
  EXPECT_FALSE(s.Attach([] {}));
  s.Push("x", false);
  EXPECT_EQ(wakes, 1);
  s.Detach();
  s.Push("y", false);
  EXPECT_EQ(wakes, 1);
  EXPECT_TRUE(s.Attach([] {}));
}

TEST(EventStream, EventIdsRoundTripAndRejectJunk) {
  EventStream s(12, 4);
  uint64_t number = 0, seq = 0;
  ASSERT_TRUE(EventStream::ParseEventId(s.EventId(34), &number, &seq));
  EXPECT_EQ(number, 12u);
  EXPECT_EQ(seq, 34u);
  for (const char* bad : {"", "-", "1-", "-1", "a-1", "1-1x", "1_1", "99999999999999999999-1"}) {
    EXPECT_FALSE(EventStream::ParseEventId(bad, &number, &seq)) << bad;
  }
}

}  // namespace
}  // namespace gw::transport
