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

TEST(EventStream, OneWriterAtATimeANewOneTakesOver) {
  EventStream s(1, 4);
  int first_wakes = 0, second_wakes = 0;
  uint64_t first = s.Attach([&] { ++first_wakes; });
  s.Push("x", false);
  EXPECT_EQ(first_wakes, 1);
  uint64_t second = s.Attach([&] { ++second_wakes; });
  EXPECT_EQ(first_wakes, 2);  // woken to notice it was replaced
  EXPECT_FALSE(s.Owns(first));
  EXPECT_TRUE(s.Owns(second));
  s.Detach(first);  // a stale writer leaving does not detach the new one
  s.Push("y", false);
  EXPECT_EQ(second_wakes, 1);
  EXPECT_EQ(first_wakes, 2);
  s.Detach(second);
  s.Push("z", false);
  EXPECT_EQ(second_wakes, 1);
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
