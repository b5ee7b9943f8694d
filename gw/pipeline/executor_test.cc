#include "gw/pipeline/executor.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gw/pipeline/filters.h"
#include "gw/protocol/server_session.h"
#include "gw/telemetry/metrics.h"
#include "gw/testing/protocol_doubles.h"

namespace gw::pipeline {
namespace {

using gw::testing::LastMessage;
using Answering = gw::testing::AnsweringService;

// A fake route target: answers, passes (or, alone, answers with its own error), as told.
class FakeTarget : public Target {
 public:
  enum class Mode { kAnswer, kPass };
  FakeTarget(std::string name, router::TargetKind kind, Mode mode, bool has_tool = true)
      : name_(std::move(name)), kind_(kind), mode_(mode), has_tool_(has_tool) {}
  router::TargetState State(std::string_view tool) const override {
    router::TargetState s;
    s.name = name_;
    s.kind = kind_;
    s.has_tool = has_tool_ && (only_tool.empty() || tool == only_tool);
    s.breaker_open = breaker_open;
    return s;
  }
  void Run(const protocol::CallPtr& call, const RequestContextPtr&, const router::Step&,
           Hop hop) override {
    ++runs;
    if (mode_ == Mode::kAnswer) return call->Reply(R"({"ran":")" + name_ + R"("})");
    if (hop.alone) return call->Fail(-32000, name_ + " is down (its own error)");
    hop.pass(name_ + " is down");
  }
  bool breaker_open = false;
  std::string only_tool;  // when set, the one tool it has
  int runs = 0;

 private:
  std::string name_;
  router::TargetKind kind_;
  Mode mode_;
  bool has_tool_;
};

using Mode = FakeTarget::Mode;
using router::TargetKind;

class ExecutorTest : public ::testing::Test {
 protected:
  void Build(std::vector<router::Route> routes) {
    engine_.only_tool = "generate";
    auto table = router::RouteTable::Make(std::move(routes), {"cloud", "edge2"});
    ASSERT_TRUE(table) << table.error().message();
    ExecutorTargets t;
    t.catalog = &catalog_;
    t.engine = &engine_;
    t.upstreams = {&cloud_, &edge2_};
    t.queue = &queue_;
    t.owner = [](std::string_view tool) {
      return tool.substr(0, 7) == "cloud__" ? std::string("cloud") : std::string();
    };
    executor_ = std::make_unique<Executor>(service_, *table, t);
    std::vector<std::unique_ptr<Filter>> filters;
    filters.push_back(std::make_unique<MetricsFilter>(registry_));
    filters.push_back(std::make_unique<RoutingFilter>(*executor_));
    pipeline_ = std::make_unique<Pipeline>(service_, *executor_, std::move(filters));
    session_ = std::make_unique<protocol::ServerSession>("s1", *pipeline_, outbox_);
    session_->ReceiveText(
        R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})");
  }
  protocol::JsonDocument Call(const std::string& tool) {
    session_->ReceiveText(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":")" +
                          tool + R"(","arguments":{}}})");
    return outbox_->Doc();
  }
  std::string Route(const protocol::JsonDocument& doc) {
    return protocol::Serialize(doc["result"]["_meta"]["io.edgegw/route"]);
  }
  bool Counted(const std::string& series) {
    return registry_.EncodePrometheus().find("edgegw_route_decisions_total{" + series + "} 1") !=
           std::string::npos;
  }

  FakeTarget catalog_{"local", TargetKind::kCatalog, Mode::kAnswer};
  FakeTarget engine_{"local", TargetKind::kEngine, Mode::kPass};
  FakeTarget cloud_{"cloud", TargetKind::kUpstream, Mode::kAnswer};
  FakeTarget edge2_{"edge2", TargetKind::kUpstream, Mode::kPass};
  FakeTarget queue_{"queue", TargetKind::kQueue, Mode::kAnswer};
  Answering service_;
  telemetry::Registry registry_;
  std::shared_ptr<LastMessage> outbox_ = std::make_shared<LastMessage>();
  std::unique_ptr<Executor> executor_;
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<protocol::ServerSession> session_;
};

TEST_F(ExecutorTest, ALocalFailurePassesToTheNextTargetAndSaysWhy) {
  Build({{"generate", "", {"local", "cloud"}}});
  auto doc = Call("generate");  // the engine has the tool, and passes
  EXPECT_STREQ(doc["result"]["ran"].GetString(), "cloud");
  EXPECT_EQ(Route(doc), R"({"route":"cloud","target":"cloud","reason":"fallback: local is down"})");
  EXPECT_EQ(engine_.runs, 1);
  EXPECT_EQ(catalog_.runs, 0);  // "local" is the engine for a tool the engine serves
  EXPECT_TRUE(Counted(R"(route="local",target="local",outcome="failed")"));
  EXPECT_TRUE(Counted(R"(route="cloud",target="cloud",outcome="ok")"));
}

TEST_F(ExecutorTest, WhenEveryTargetPassesTheClientGetsOneErrorNamingEachReason) {
  Build({{"generate", "", {"local", "edge2"}}});
  auto doc = Call("generate");
  EXPECT_EQ(doc["error"]["code"].GetInt(), protocol::rpc::kServerUnavailable);
  EXPECT_STREQ(doc["error"]["message"].GetString(),
               "no target could run 'generate': local is down; edge2 is down");
  EXPECT_TRUE(Counted(R"(route="none",target="none",outcome="failed")"));
}

TEST_F(ExecutorTest, ATargetAloneAnswersWithItsOwnError) {
  Build({});
  auto doc = Call("generate");  // no route: the engine is the only place it can run
  EXPECT_STREQ(doc["error"]["message"].GetString(), "local is down (its own error)");
}

TEST_F(ExecutorTest, TheOwnerRunsAnUnroutedCallAndAnsweredCallsCarryTheirRoute) {
  Build({});
  auto doc = Call("cloud__search");
  EXPECT_STREQ(doc["result"]["ran"].GetString(), "cloud");
  EXPECT_EQ(Route(doc), R"({"route":"cloud","target":"cloud","reason":"owner"})");
  doc = Call("echo");  // nobody lists it: the catalog
  EXPECT_STREQ(doc["result"]["ran"].GetString(), "local");
  EXPECT_EQ(Route(doc), R"({"route":"local","target":"local","reason":"owner"})");
}

TEST_F(ExecutorTest, AnOpenBreakerIsSkippedWithoutACall) {
  Build({{"", "x_", {"cloud", "local"}}});
  cloud_.breaker_open = true;
  auto doc = Call("x_tool");
  EXPECT_STREQ(doc["result"]["ran"].GetString(), "local");
  EXPECT_EQ(cloud_.runs, 0);
  EXPECT_EQ(
      Route(doc),
      R"({"route":"local","target":"local","reason":"fallback: upstream 'cloud': circuit breaker open"})");
}

TEST_F(ExecutorTest, AQueueableRouteQueuesWhenTheChainIsSpent) {
  router::Route r{"report", "", {"edge2"}};
  r.queueable = true;
  Build({r});
  auto doc = Call("report");
  EXPECT_STREQ(doc["result"]["ran"].GetString(), "queue");
  EXPECT_EQ(Route(doc), R"({"route":"queue","target":"edge2","reason":"fallback: edge2 is down"})");
}

TEST_F(ExecutorTest, OtherMethodsGoToTheService) {
  Build({});
  session_->ReceiveText(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}})");
  EXPECT_TRUE(outbox_->Doc()["result"]["served"].GetBool());
}

}  // namespace
}  // namespace gw::pipeline
