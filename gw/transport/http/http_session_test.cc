#include "gw/transport/http/http_session.h"

#include <gtest/gtest.h>

#include "gw/protocol/jsonrpc.h"

namespace gw::transport {
namespace {

using OpenError = StreamRouter::OpenError;

TEST(StreamRouter, RoutesAnswersToTheirRequestStreamAndTheRestToStandalone) {
  StreamRouter router(nullptr, RealClock());
  OpenError error;
  auto a = router.OpenRequestStream("1", "tools/call", &error);
  ASSERT_TRUE(a);
  router.Send(protocol::MakeNotification("notifications/progress", "{}"), "1", false);
  router.Send(protocol::MakeNotification("notifications/tools/list_changed", ""), "", false);
  router.Send(protocol::MakeResult("1", "{}"), "1", true);
  bool finished = false;
  EXPECT_EQ(a->Since(0, &finished).size(), 2u);
  EXPECT_TRUE(finished);
  EXPECT_EQ(router.standalone()->Since(0, nullptr).size(), 1u);
  EXPECT_EQ(router.Find(a->number()), a);  // kept for resumption after it finished
}

TEST(StreamRouter, RefusesDuplicatesTooManyAndAfterClose) {
  StreamRouter router(nullptr, RealClock());
  OpenError error;
  ASSERT_TRUE(router.OpenRequestStream("1", "m", &error));
  EXPECT_FALSE(router.OpenRequestStream("1", "m", &error));
  EXPECT_EQ(error, OpenError::kDuplicateId);
  for (size_t i = 2; i <= StreamRouter::kMaxInFlight; ++i) {
    ASSERT_TRUE(router.OpenRequestStream(std::to_string(i), "m", &error));
  }
  EXPECT_FALSE(router.OpenRequestStream("x", "m", &error));
  EXPECT_EQ(error, OpenError::kTooManyInFlight);
  router.FinishAll();
  EXPECT_FALSE(router.OpenRequestStream("y", "m", &error));
  EXPECT_EQ(error, OpenError::kClosed);
}

}  // namespace
}  // namespace gw::transport
