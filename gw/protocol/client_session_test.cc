// ClientSession against the real ServerSession, both sans-IO, wired by in-memory queues.
#include "gw/protocol/client_session.h"

#include <gtest/gtest.h>

#include <deque>

#include "gw/protocol/server_session.h"
#include "gw/testing/fake_clock.h"

namespace gw::protocol {
namespace {

// Messages in flight between the two sessions; Pump() delivers until both are quiet.
struct Wire {
  std::deque<std::string> to_server, to_client;
};

class ToServer : public MessageSink {
 public:
  explicit ToServer(Wire& wire) : wire_(wire) {}
  void Send(std::string message) override { wire_.to_server.push_back(std::move(message)); }
  Wire& wire_;
};

class ToClient : public Outbox {
 public:
  explicit ToClient(Wire& wire) : wire_(wire) {}
  void Send(std::string message, std::string_view, bool) override {
    if (!message.empty()) wire_.to_client.push_back(std::move(message));
  }
  Wire& wire_;
};

// Serves "echo" at once, "ask" by sampling the client first, "hold" never.
class UpstreamService : public Service {
 public:
  std::string Capabilities() const override { return R"({"tools":{}})"; }
  ServerInfo Info() const override { return {"upstream", "", "9.9", "be nice"}; }
  bool Handle(const CallPtr& call) override {
    if (call->method() == "echo") {
      call->Reply(Serialize(call->params()));
    } else if (call->method() == "ask") {
      call->Request("sampling/createMessage", R"({"messages":[],"maxTokens":1})",
                    [call](Result<Message> r) { call->Reply(r ? Serialize(r->result()) : "{}"); });
    } else if (call->method() == "hold") {
      held.push_back(call);
    } else {
      return false;
    }
    return true;
  }
  std::vector<CallPtr> held;
};

class ClientSessionTest : public ::testing::Test {
 protected:
  ClientSessionTest() {
    ClientSessionOptions o;
    o.clock = &clock;
    o.request_timeout = std::chrono::seconds(5);
    client = std::make_unique<ClientSession>(o, std::make_shared<ToServer>(wire));
  }
  void Pump() {
    while (!wire.to_server.empty() || !wire.to_client.empty()) {
      if (!wire.to_server.empty()) {
        std::string m = std::move(wire.to_server.front());
        wire.to_server.pop_front();
        server.ReceiveText(m);
      }
      if (!wire.to_client.empty()) {
        std::string m = std::move(wire.to_client.front());
        wire.to_client.pop_front();
        client->ReceiveText(m);
      }
    }
  }
  void Connect() {
    bool done = false;
    client->Initialize([&](Result<InitializeResult> r) {
      ASSERT_TRUE(r) << r.error().ToString();
      EXPECT_EQ(r->protocol_version, "2025-11-25");
      EXPECT_EQ(r->server_name, "upstream");
      EXPECT_EQ(r->instructions, "be nice");
      done = true;
    });
    Pump();
    ASSERT_TRUE(done);
    ASSERT_EQ(client->state(), ClientState::kReady);
    ASSERT_EQ(server.state(), SessionState::kReady);
  }

  testing::FakeClock clock;
  Wire wire;
  UpstreamService service;
  ServerSession server{"up", service, std::make_shared<ToClient>(wire)};
  std::unique_ptr<ClientSession> client;
};

TEST_F(ClientSessionTest, HandshakeThenCorrelatedRequests) {
  Connect();
  std::string a, b;
  client->Request("echo", R"({"n":1})", [&](Result<Message> r) { a = Serialize(r->result()); });
  client->Request("echo", R"({"n":2})", [&](Result<Message> r) { b = Serialize(r->result()); });
  Pump();
  EXPECT_EQ(a, R"({"n":1})");
  EXPECT_EQ(b, R"({"n":2})");
  int code = 0;
  client->Request("nope", "",
                  [&](Result<Message> r) { code = IntMember(r->error(), "code").value_or(0); });
  Pump();
  EXPECT_EQ(code, rpc::kMethodNotFound);
}

TEST_F(ClientSessionTest, ServerToClientRequestsReachTheHandler) {
  Connect();
  client->SetRequestHandler([](const Message& request, ClientSession::Reply reply) {
    EXPECT_EQ(request.method(), "sampling/createMessage");
    reply.result(R"({"role":"assistant","content":{"type":"text","text":"hi"},"model":"m"})");
  });
  std::string answer;
  client->Request("ask", "", [&](Result<Message> r) { answer = Serialize(r->result()); });
  Pump();
  EXPECT_NE(answer.find("\"text\":\"hi\""), std::string::npos);
}

TEST_F(ClientSessionTest, CancelTellsTheServerAndFailsTheCallback) {
  Connect();
  Code code = Code::kOk;
  std::string id = client->Request("hold", "", [&](Result<Message> r) { code = r.error().code(); });
  Pump();
  ASSERT_EQ(server.calls_in_flight(), 1u);
  client->Cancel(id, "user pressed stop");
  Pump();
  EXPECT_EQ(code, Code::kCancelled);
  EXPECT_EQ(server.calls_in_flight(), 0u);
}

TEST_F(ClientSessionTest, TimeoutAndCloseFailPendingRequests) {
  Connect();
  Code first = Code::kOk, second = Code::kOk;
  client->Request("hold", "", [&](Result<Message> r) { first = r.error().code(); });
  clock.Advance(std::chrono::seconds(3));
  client->Request("hold", "", [&](Result<Message> r) { second = r.error().code(); });
  Pump();
  clock.Advance(std::chrono::seconds(3));
  EXPECT_EQ(client->ExpireRequests(), 1u);
  EXPECT_EQ(first, Code::kDeadlineExceeded);
  client->Close();
  EXPECT_EQ(second, Code::kUnavailable);
  bool refused = false;
  client->Request("echo", "", [&](Result<Message> r) { refused = !r; });
  EXPECT_TRUE(refused);
}

TEST_F(ClientSessionTest, RefusesAnUpstreamSpeakingAnUnknownVersion) {
  Code code = Code::kOk;
  client->Initialize([&](Result<InitializeResult> r) { code = r.error().code(); });
  ASSERT_EQ(wire.to_server.size(), 1u);
  auto request = ParseMessage(wire.to_server.front());
  wire.to_server.clear();
  client->ReceiveText(MakeResult(
      request->id(),
      R"({"protocolVersion":"1999-01-01","capabilities":{},"serverInfo":{"name":"old","version":"1"}})"));
  EXPECT_EQ(code, Code::kFailedPrecondition);
  EXPECT_EQ(client->state(), ClientState::kClosed);
}

TEST_F(ClientSessionTest, AnswersPingAndDropsGarbage) {
  Connect();
  client->ReceiveText("{not json");
  client->ReceiveText(R"({"jsonrpc":"2.0","id":"p","method":"ping"})");
  ASSERT_EQ(wire.to_server.size(), 1u);
  EXPECT_EQ(wire.to_server.front(), R"({"jsonrpc":"2.0","id":"p","result":{}})");
  wire.to_server.clear();
  client->ReceiveText(R"({"jsonrpc":"2.0","id":"r","method":"roots/list"})");
  EXPECT_NE(wire.to_server.front().find("-32601"), std::string::npos);  // no handler set
}

}  // namespace
}  // namespace gw::protocol
