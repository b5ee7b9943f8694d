#include "gw/protocol/server_session.h"

#include <gtest/gtest.h>

#include <vector>

#include "gw/base/check.h"
#include "gw/testing/fake_clock.h"

namespace gw::protocol {
namespace {

struct Sent {
  std::string message;
  std::string related;
  bool final;
};

class RecordingOutbox : public Outbox {
 public:
  void Send(std::string message, std::string_view related, bool final) override {
    sent.push_back({std::move(message), std::string(related), final});
  }
  JsonDocument Last() const { return *ParseJson(sent.back().message); }
  std::vector<Sent> sent;
};

// A service with one synchronous method ("echo"), one that waits ("hold"), and one that asks
// the client something ("ask").
class TestService : public Service {
 public:
  std::string Capabilities() const override { return R"({"tools":{}})"; }
  ServerInfo Info() const override { return {"t", "T", "1.0", ""}; }
  bool Handle(const CallPtr& call) override {
    if (call->method() == "echo") {
      call->Reply(Serialize(call->params()));
      return true;
    }
    if (call->method() == "hold") {
      held.push_back(call);
      call->OnCancel([this] { ++cancelled; });
      return true;
    }
    if (call->method() == "ask") {
      CallPtr keep = call;
      call->Request("roots/list", "{}",
                    [keep](Result<Message> r) { keep->Reply(r ? Serialize(r->result()) : "{}"); });
      return true;
    }
    return false;
  }
  std::vector<CallPtr> held;
  int cancelled = 0;
};

class ServerSessionTest : public ::testing::Test {
 protected:
  void Initialize(std::string_view version = "2025-11-25") {
    session.ReceiveText(
        std::string(
            R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":")") +
        std::string(version) + R"(","capabilities":{},"clientInfo":{"name":"c","version":"1"}}})");
    session.ReceiveText(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  }
  TestService service;
  std::shared_ptr<RecordingOutbox> outbox = std::make_shared<RecordingOutbox>();
  ServerSession session{"s1", service, outbox};
};

TEST_F(ServerSessionTest, NegotiatesRequestedOrLatestVersion) {
  Initialize("2025-06-18");
  auto doc = outbox->Last();
  EXPECT_EQ(AsView(doc["result"]["protocolVersion"]), "2025-06-18");
  EXPECT_EQ(session.state(), SessionState::kReady);

  TestService s2;
  auto out2 = std::make_shared<RecordingOutbox>();
  ServerSession other("s2", s2, out2);
  other.ReceiveText(
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"1999-01-01","capabilities":{},"clientInfo":{"name":"c","version":"1"}}})");
  EXPECT_EQ(AsView(out2->Last()["result"]["protocolVersion"]), "2025-11-25");
}

TEST_F(ServerSessionTest, OnlyPingBeforeInitialize) {
  session.ReceiveText(R"({"jsonrpc":"2.0","id":1,"method":"ping"})");
  EXPECT_TRUE(outbox->Last()["result"].IsObject());
  session.ReceiveText(R"({"jsonrpc":"2.0","id":2,"method":"echo"})");
  auto doc = outbox->Last();
  EXPECT_EQ(doc["error"]["code"].GetInt(), rpc::kInvalidRequest);
}

TEST_F(ServerSessionTest, AnswersParseErrorsAndUnknownMethods) {
  Initialize();
  session.ReceiveText("{nope");
  EXPECT_EQ(outbox->Last()["error"]["code"].GetInt(), rpc::kParseError);
  EXPECT_TRUE(outbox->Last()["id"].IsNull());
  session.ReceiveText(R"({"jsonrpc":"2.0","id":3,"method":"no/such"})");
  EXPECT_EQ(outbox->Last()["error"]["code"].GetInt(), rpc::kMethodNotFound);
  EXPECT_EQ(outbox->sent.back().related, "3");
  EXPECT_TRUE(outbox->sent.back().final);
}

TEST_F(ServerSessionTest, RejectsSecondInitializeAndBadLogLevel) {
  Initialize();
  Initialize();
  // The repeated initialize is refused; the notification that follows is ignored.
  EXPECT_EQ(outbox->Last()["error"]["code"].GetInt(), rpc::kInvalidRequest);
  session.ReceiveText(
      R"({"jsonrpc":"2.0","id":4,"method":"logging/setLevel","params":{"level":"loud"}})");
  EXPECT_EQ(outbox->Last()["error"]["code"].GetInt(), rpc::kInvalidParams);
}

TEST_F(ServerSessionTest, CancellationEndsTheCallWithoutAResponse) {
  Initialize();
  session.ReceiveText(R"({"jsonrpc":"2.0","id":"h","method":"hold"})");
  ASSERT_EQ(service.held.size(), 1u);
  EXPECT_EQ(session.calls_in_flight(), 1u);
  size_t before = outbox->sent.size();
  session.ReceiveText(
      R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"h"}})");
  EXPECT_EQ(service.cancelled, 1);
  ASSERT_EQ(outbox->sent.size(), before + 1);
  EXPECT_TRUE(outbox->sent.back().message.empty());
  EXPECT_TRUE(outbox->sent.back().final);
  service.held[0]->Reply("{}");  // ignored: already finished
  EXPECT_EQ(outbox->sent.size(), before + 1);
}

TEST_F(ServerSessionTest, AReplyAfterCancellationIsNoBug) {
  Initialize();
  session.ReceiveText(R"({"jsonrpc":"2.0","id":"c","method":"hold"})");
  ASSERT_EQ(service.held.size(), 1u);
  const uint64_t bugs = internal::BugCount();
  session.ReceiveText(
      R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"c"}})");
  service.held[0]->Reply("{}");
  EXPECT_EQ(internal::BugCount(), bugs);
}

TEST_F(ServerSessionTest, ASecondCompletionIsABug) {
  Initialize();
  session.ReceiveText(R"({"jsonrpc":"2.0","id":"twice","method":"hold"})");
  ASSERT_EQ(service.held.size(), 1u);
  CallPtr call = service.held[0];
  call->Reply("{}");
  const size_t sent = outbox->sent.size();
  const uint64_t bugs = internal::BugCount();
  // GW_BUG: a debug build stops there; a release build logs, counts and sends nothing more.
  EXPECT_DEBUG_DEATH(call->Fail(rpc::kInternalError, "again"), "completed twice");
  EXPECT_EQ(outbox->sent.size(), sent);
#ifdef NDEBUG
  EXPECT_EQ(internal::BugCount(), bugs + 1);
#else
  EXPECT_EQ(internal::BugCount(), bugs);  // the death happened in a child process
#endif
}

TEST_F(ServerSessionTest, DroppedCallIsAnsweredWithInternalError) {
  Initialize();
  session.ReceiveText(R"({"jsonrpc":"2.0","id":5,"method":"hold"})");
  service.held.clear();
  EXPECT_EQ(outbox->Last()["error"]["code"].GetInt(), rpc::kInternalError);
}

TEST_F(ServerSessionTest, CorrelatesServerToClientRequests) {
  Initialize();
  session.ReceiveText(R"({"jsonrpc":"2.0","id":6,"method":"ask"})");
  auto request = outbox->Last();
  EXPECT_EQ(AsView(request["method"]), "roots/list");
  EXPECT_EQ(outbox->sent.back().related, "6");
  std::string id = Serialize(request["id"]);
  session.ReceiveText(R"({"jsonrpc":"2.0","id":)" + id + R"(,"result":{"roots":[]}})");
  auto reply = outbox->Last();
  EXPECT_EQ(reply["id"].GetInt(), 6);
  EXPECT_TRUE(reply["result"]["roots"].IsArray());
}

TEST_F(ServerSessionTest, CloseFailsPendingRequests) {
  Initialize();
  session.ReceiveText(R"({"jsonrpc":"2.0","id":7,"method":"ask"})");
  session.Close();
  EXPECT_EQ(session.state(), SessionState::kClosed);
  session.ReceiveText(R"({"jsonrpc":"2.0","id":8,"method":"ping"})");
  EXPECT_NE(AsView(outbox->Last()["method"]), "");  // nothing new after close
}

}  // namespace
}  // namespace gw::protocol

namespace gw::protocol {
namespace {

TEST(ServerSessionTimeout, UnansweredClientRequestsExpire) {
  testing::FakeClock clock;
  TestService service;
  auto outbox = std::make_shared<RecordingOutbox>();
  SessionOptions options;
  options.clock = &clock;
  options.client_request_timeout = std::chrono::seconds(30);
  ServerSession session("t", service, outbox, options);
  session.ReceiveText(
      R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}})");
  session.ReceiveText(R"({"jsonrpc":"2.0","id":1,"method":"ask"})");
  EXPECT_EQ(session.calls_in_flight(), 1u);
  clock.Advance(std::chrono::seconds(29));
  EXPECT_EQ(session.ExpireClientRequests(), 0u);
  clock.Advance(std::chrono::seconds(2));
  EXPECT_EQ(session.ExpireClientRequests(), 1u);
  // The "ask" call answers {} when its request fails; the call is complete.
  EXPECT_EQ(session.calls_in_flight(), 0u);
  EXPECT_EQ(outbox->Last()["id"].GetInt(), 1);
}

TEST_F(ServerSessionTest, ResultMetaIsSplicedOrMerged) {
  Initialize();
  session.ReceiveText(R"({"jsonrpc":"2.0","id":7,"method":"hold"})");
  session.ReceiveText(R"({"jsonrpc":"2.0","id":8,"method":"hold"})");
  session.ReceiveText(R"({"jsonrpc":"2.0","id":9,"method":"hold"})");
  ASSERT_EQ(service.held.size(), 3u);
  service.held[0]->AddResultMeta("io.edgegw/route", R"({"route":"local"})");
  service.held[0]->Reply(R"({"content":[]})");
  auto a = outbox->Last();
  EXPECT_EQ(AsView(a["result"]["_meta"]["io.edgegw/route"]["route"]), "local");
  EXPECT_TRUE(a["result"]["content"].IsArray());
  service.held[1]->AddResultMeta("k", "1");
  service.held[1]->Reply("{ }");
  EXPECT_EQ(outbox->Last()["result"]["_meta"]["k"].GetInt(), 1);
  service.held[2]->AddResultMeta("k", "2");
  service.held[2]->Reply(R"({"x":"\"_meta\"","_meta":{"keep":true,"k":0}})");
  auto c = outbox->Last();
  EXPECT_TRUE(c["result"]["_meta"]["keep"].GetBool());
  EXPECT_EQ(c["result"]["_meta"]["k"].GetInt(), 2);
  EXPECT_EQ(AsView(c["result"]["x"]), "\"_meta\"");
}

}  // namespace
}  // namespace gw::protocol
