#include "gw/pipeline/pipeline.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gw/protocol/server_session.h"
#include "gw/testing/protocol_doubles.h"

namespace gw::pipeline {
namespace {

using gw::testing::LastMessage;
using Answering = gw::testing::AnsweringService;

class Terminal : public Handler {
 public:
  explicit Terminal(protocol::Service& service) : service_(service) {}
  bool Handle(const protocol::CallPtr& call, const RequestContextPtr& context) override {
    seen = context;
    if (call->method() == "unknown/method") return false;
    return service_.Handle(call);
  }
  RequestContextPtr seen;

 private:
  protocol::Service& service_;
};

// Writes down what it saw, into a log shared by the filters of one test.
class Recording : public Filter {
 public:
  Recording(std::string name, std::vector<std::string>* log, bool stop = false)
      : name_(std::move(name)), log_(log), stop_(stop) {}
  std::string_view name() const override { return name_; }
  Verdict OnRequest(RequestContext& context, const protocol::CallPtr& call) override {
    log_->push_back(name_ + " in " + context.method);
    if (!stop_) return Verdict::kContinue;
    call->Fail(-32001, "stopped by " + name_);
    return Verdict::kStop;
  }
  void OnResponse(const RequestContext& context, protocol::CallOutcome outcome) override {
    (void)context;
    log_->push_back(name_ + " out " + std::to_string(static_cast<int>(outcome)));
  }

 private:
  std::string name_;
  std::vector<std::string>* log_;
  bool stop_;
};

class PipelineTest : public ::testing::Test {
 protected:
  void Build(std::vector<std::unique_ptr<Filter>> filters) {
    pipeline_ = std::make_unique<Pipeline>(service_, terminal_, std::move(filters));
    session_ = std::make_unique<protocol::ServerSession>("s1", *pipeline_, outbox_);
    session_->ReceiveText(
        R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})");
  }
  protocol::JsonDocument Ask(const std::string& method, const std::string& params = "{}") {
    session_->ReceiveText(R"({"jsonrpc":"2.0","id":1,"method":")" + method + R"(","params":)" +
                          params + "}");
    return outbox_->Doc();
  }
  Answering service_;
  Terminal terminal_{service_};
  std::shared_ptr<LastMessage> outbox_ = std::make_shared<LastMessage>();
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<protocol::ServerSession> session_;
  std::vector<std::string> log_;
};

TEST_F(PipelineTest, FiltersSeeTheRequestInOrderAndTheOutcomeInReverse) {
  std::vector<std::unique_ptr<Filter>> f;
  f.push_back(std::make_unique<Recording>("a", &log_));
  f.push_back(std::make_unique<Recording>("b", &log_));
  Build(std::move(f));
  auto doc = Ask("tools/list");
  EXPECT_TRUE(doc["result"]["served"].GetBool());
  EXPECT_EQ(log_,
            (std::vector<std::string>{"a in tools/list", "b in tools/list", "b out 0", "a out 0"}));
}

TEST_F(PipelineTest, AFilterThatStopsAnswersAndOnlyTheFiltersBeforeItSeeTheOutcome) {
  std::vector<std::unique_ptr<Filter>> f;
  f.push_back(std::make_unique<Recording>("a", &log_));
  f.push_back(std::make_unique<Recording>("guard", &log_, /*stop=*/true));
  f.push_back(std::make_unique<Recording>("c", &log_));
  Build(std::move(f));
  auto doc = Ask("tools/list");
  EXPECT_EQ(doc["error"]["code"].GetInt(), -32001);
  EXPECT_STREQ(doc["error"]["message"].GetString(), "stopped by guard");
  EXPECT_EQ(terminal_.seen, nullptr);  // the handler never ran
  const int error = static_cast<int>(protocol::CallOutcome::kError);
  EXPECT_EQ(log_, (std::vector<std::string>{"a in tools/list", "guard in tools/list",
                                            "guard out " + std::to_string(error),
                                            "a out " + std::to_string(error)}));
}

TEST_F(PipelineTest, TheContextCarriesTheRequestFacts) {
  Build({});
  Ask("tools/call", R"({"name":"echo","arguments":{},"task":{}})");
  ASSERT_NE(terminal_.seen, nullptr);
  EXPECT_EQ(terminal_.seen->method, "tools/call");
  EXPECT_EQ(terminal_.seen->name, "echo");
  EXPECT_TRUE(terminal_.seen->wants_task);
  EXPECT_EQ(terminal_.seen->session_id, "s1");
  EXPECT_EQ(terminal_.seen->transport, "stdio");  // SessionOptions' default
  Ask("resources/read", R"({"uri":"file:///a"})");
  EXPECT_EQ(terminal_.seen->uri, "file:///a");
  EXPECT_TRUE(terminal_.seen->name.empty());
}

TEST_F(PipelineTest, AnUnknownMethodIsStillAnsweredAndSeenOnTheWayOut) {
  std::vector<std::unique_ptr<Filter>> f;
  f.push_back(std::make_unique<Recording>("a", &log_));
  Build(std::move(f));
  auto doc = Ask("unknown/method");
  EXPECT_EQ(doc["error"]["code"].GetInt(), protocol::rpc::kMethodNotFound);
  EXPECT_EQ(log_.back(),
            "a out " + std::to_string(static_cast<int>(protocol::CallOutcome::kError)));
}

}  // namespace
}  // namespace gw::pipeline
