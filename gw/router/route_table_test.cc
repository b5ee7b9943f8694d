#include "gw/router/route_table.h"

#include <gtest/gtest.h>

namespace gw::router {
namespace {

TEST(RouteTable, ExactBeatsPrefixAndLongestPrefixWins) {
  auto t = RouteTable::Make({{"", "llm_", {"cloud"}},
                             {"", "llm_small_", {"local", "cloud"}},
                             {"llm_small_chat", "", {"cloud"}}},
                            {"cloud"});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->Match("llm_small_chat")->tool, "llm_small_chat");
  EXPECT_EQ(t->Match("llm_small_sum")->prefix, "llm_small_");
  EXPECT_EQ(t->Match("llm_big")->prefix, "llm_");
  EXPECT_EQ(t->Match("echo"), nullptr);
}

TEST(RouteTable, RefusesBadRoutesWithReasons) {
  auto both = RouteTable::Make({{"a", "b", {"local"}}}, {});
  ASSERT_FALSE(both);
  EXPECT_NE(both.error().message().find("exactly one of tool or prefix"), std::string::npos);
  auto empty = RouteTable::Make({{"a", "", {}}}, {});
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message().find("chain is empty"), std::string::npos);
  auto unknown = RouteTable::Make({{"a", "", {"local", "clod"}}}, {"cloud"});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("unknown target 'clod'"), std::string::npos);
}

TEST(RouteTable, OneErrorNamesEveryReason) {
  EXPECT_EQ(NoRouteMessage("t", {"local: no such tool", "cloud: circuit open"}),
            "no target could run 't': local: no such tool; cloud: circuit open");
}

}  // namespace
}  // namespace gw::router
