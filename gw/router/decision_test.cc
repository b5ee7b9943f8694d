#include "gw/router/decision.h"

#include <gtest/gtest.h>

namespace gw::router {
namespace {

TargetState Local(TargetKind kind, bool has_tool) {
  TargetState s;
  s.name = "local";
  s.kind = kind;
  s.has_tool = has_tool;
  return s;
}

TargetState Upstream(std::string name, bool healthy = true, bool breaker_open = false) {
  TargetState s;
  s.name = std::move(name);
  s.kind = TargetKind::kUpstream;
  s.healthy = healthy;
  s.breaker_open = breaker_open;
  s.status = healthy ? "" : "stopped";
  return s;
}

RouteTable Table(std::vector<Route> routes) {
  auto t = RouteTable::Make(std::move(routes), {"cloud", "edge2"});
  EXPECT_TRUE(t) << t.error().message();
  return *t;
}

std::vector<std::string> Targets(const Decision& d) {
  std::vector<std::string> out;
  for (const Step& s : d.plan) out.push_back(s.target + "/" + std::string(TargetKindName(s.kind)));
  return out;
}

TEST(DecisionTest, WithoutARouteTheOwnerRunsIt) {
  TargetsView v{Local(TargetKind::kCatalog, false), {Upstream("cloud")}, "cloud", false};
  Decision d = Decide({"cloud__search"}, RouteTable(), v);
  EXPECT_EQ(Targets(d), std::vector<std::string>{"cloud/upstream"});
  EXPECT_EQ(d.plan[0].reason, "owner");
  EXPECT_EQ(d.route, nullptr);

  v.owner.clear();  // nobody lists it: the catalog answers "Unknown tool"
  d = Decide({"nope"}, RouteTable(), v);
  EXPECT_EQ(Targets(d), std::vector<std::string>{"local/catalog"});
  EXPECT_TRUE(d.skipped.empty());
}

TEST(DecisionTest, ARouteIsTriedInOrderAndSaysWhichRuleChoseIt) {
  RouteTable t = Table({{"generate", "", {"local", "cloud"}}});
  TargetsView v{Local(TargetKind::kEngine, true), {Upstream("cloud")}, "", false};
  Decision d = Decide({"generate"}, t, v);
  EXPECT_EQ(Targets(d), (std::vector<std::string>{"local/engine", "cloud/upstream"}));
  EXPECT_EQ(d.plan[0].reason, "route 'generate'");
  EXPECT_EQ(d.Explain(), "route 'generate': local (engine) -> cloud");
}

TEST(DecisionTest, TargetsThatCannotTakeItAreSkippedWithAReason) {
  RouteTable t = Table({{"", "sys_", {"local", "cloud", "edge2"}}});
  TargetsView v{Local(TargetKind::kCatalog, false),
                {Upstream("cloud", true, /*breaker_open=*/true), Upstream("edge2")},
                "",
                false};
  Decision d = Decide({"sys_info"}, t, v);
  EXPECT_EQ(Targets(d), std::vector<std::string>{"edge2/upstream"});
  EXPECT_EQ(d.skipped, (std::vector<std::string>{"local: no such tool",
                                                 "upstream 'cloud': circuit breaker open"}));
  EXPECT_EQ(d.plan[0].reason, "fallback: upstream 'cloud': circuit breaker open");
  EXPECT_EQ(d.rule, "route prefix 'sys_'");
}

TEST(DecisionTest, TheLastTargetStaysWhenNothingElseWouldAnswer) {
  // Its own error ("not connected", with why) says more than "no target could run it".
  RouteTable t = Table({{"echo", "", {"local", "cloud"}}});
  TargetsView v{
      Local(TargetKind::kCatalog, false), {Upstream("cloud", /*healthy=*/false)}, "", false};
  Decision d = Decide({"echo"}, t, v);
  EXPECT_EQ(Targets(d), std::vector<std::string>{"cloud/upstream"});
  EXPECT_EQ(d.skipped, std::vector<std::string>{"local: no such tool"});
}

TEST(DecisionTest, AQueueableRouteEndsInTheQueueForItsFirstUpstream) {
  Route r{"report", "", {"local", "cloud"}};
  r.queueable = true;
  RouteTable t = Table({r});
  TargetsView v{Local(TargetKind::kCatalog, true), {Upstream("cloud", false)}, "", true};
  Decision d = Decide({"report"}, t, v);
  // The stopped upstream is skipped (the queue follows); the queue holds the call for it.
  EXPECT_EQ(Targets(d), (std::vector<std::string>{"local/catalog", "cloud/queue"}));

  v.queue = false;  // no queue configured: the route is an ordinary chain
  d = Decide({"report"}, t, v);
  EXPECT_EQ(Targets(d), (std::vector<std::string>{"local/catalog"}));
}

TEST(DecisionTest, AClientAskingForATaskOnAQueueableRouteGoesToTheQueue) {
  Route r{"report", "", {"cloud"}};
  r.queueable = true;
  RouteTable t = Table({r});
  TargetsView v{Local(TargetKind::kCatalog, false), {Upstream("cloud")}, "cloud", true};
  Decision d = Decide({"report", /*wants_task=*/true}, t, v);
  EXPECT_EQ(Targets(d), std::vector<std::string>{"cloud/queue"});
  EXPECT_EQ(d.plan[0].reason, "the client asked for a task");
  // Without a queueable route a task request changes nothing.
  d = Decide({"other", true}, t, v);
  EXPECT_EQ(Targets(d), std::vector<std::string>{"cloud/upstream"});
}

}  // namespace
}  // namespace gw::router
