// Test doubles for the protocol seam: LastMessage, an Outbox that keeps the last message a
// session sent (for tests that drive a real ServerSession and read its answers), and
// AnsweringService, a Service that answers every request with {"served":true}.
// Thread-safety: for single-threaded tests.
#pragma once

#include <string>
#include <string_view>

#include "gw/protocol/json.h"
#include "gw/protocol/server_session.h"
#include "gw/protocol/service.h"

namespace gw::testing {

class LastMessage : public protocol::Outbox {
 public:
  void Send(std::string message, std::string_view, bool) override {
    if (!message.empty()) last = std::move(message);
  }
  protocol::JsonDocument Doc() const { return *protocol::ParseJson(last); }
  std::string last;
};

class AnsweringService : public protocol::Service {
 public:
  std::string Capabilities() const override { return R"({"tools":{}})"; }
  protocol::ServerInfo Info() const override { return {}; }
  bool Handle(const protocol::CallPtr& call) override {
    call->Reply(R"({"served":true})");
    return true;
  }
};

}  // namespace gw::testing
