#include "gw/server/client_command.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <optional>
#include <thread>

#include "gw/base/log.h"
#include "gw/platform/process.h"
#include "gw/protocol/client_session.h"
#include "gw/protocol/json.h"
#include "gw/server/config.h"
#include "gw/server/gateway.h"
#include "gw/transport/client/http_client_transport.h"
#include "gw/transport/client/stdio_client_transport.h"

namespace gw::server {
namespace {

using protocol::ClientSession;
using protocol::JsonValue;
using protocol::JsonWriter;
using protocol::Message;

// An elicitation answer that accepts with every default the requested schema declares.
std::string ElicitationDefaults(const JsonValue& params) {
  JsonWriter w;
  w.StartObject().Field("action", "accept").Key("content").StartObject();
  const JsonValue* schema = protocol::ObjectMember(params, "requestedSchema");
  const JsonValue* props = schema ? protocol::ObjectMember(*schema, "properties") : nullptr;
  if (props) {
    for (const auto& p : props->GetObject()) {
      const JsonValue* def = protocol::Member(p.value, "default");
      if (def) w.Key(protocol::AsView(p.name)).Value(*def);
    }
  }
  w.EndObject().EndObject();
  return w.str();
}

// One client session on its own I/O thread, with blocking calls for the command line.
class Connection {
 public:
  explicit Connection(int timeout_seconds) : timeout_(std::chrono::seconds(timeout_seconds)) {}

  ~Connection() {
    if (transport_) transport_->Close();
    if (session_) session_->Close();
    work_.reset();
    if (thread_.joinable()) {
      // Let the DELETE go out (the loop ends when nothing is left), but never hang on a
      // dead peer.
      if (finished_.get_future().wait_for(std::chrono::seconds(3)) != std::future_status::ready) {
        io_.stop();
      }
      thread_.join();
    }
  }

  Status Open(const std::string& target) {
    if (target.rfind("stdio:", 0) == 0) {
      auto u = ParseUpstreamFlag(target, 1);
      if (!u) return u.error();
      transport::StdioTransportOptions o;
      o.process.argv = u->command;
      transport_ = transport::MakeStdioTransport(io_, platform::SystemProcessSpawner(), o);
    } else {
      transport::HttpTransportOptions o;
      GW_ASSIGN_OR_RETURN(o.url, transport::ParseUrl(target));
      o.header_timeout = timeout_;
      GW_ASSIGN_OR_RETURN(transport_, transport::MakeHttpTransport(io_, o));
    }
    protocol::ClientSessionOptions so;
    so.client_name = "edgegw-client";
    so.client_version = GatewayVersion();
    so.capabilities = R"({"elicitation":{},"roots":{"listChanged":true}})";
    so.request_timeout = timeout_;
    session_ = std::make_shared<ClientSession>(so, transport_);
    session_->SetRequestHandler([](const Message& request, const ClientSession::Reply& reply) {
      if (request.method() == "elicitation/create")
        return reply.result(ElicitationDefaults(request.params()));
      if (request.method() == "roots/list") return reply.result(R"({"roots":[]})");
      reply.error(protocol::rpc::kMethodNotFound,
                  "edgegw client cannot answer " + request.method());
    });
    session_->SetNotificationHandler([](const Message& n) {
      std::fprintf(stderr, "%s %s\n", n.method().c_str(), protocol::Serialize(n.params()).c_str());
    });
    transport::TransportEvents events;
    // Weak: the session owns the transport (its sink), so the events must not own the session.
    std::weak_ptr<ClientSession> weak = session_;
    events.on_message = [weak](std::string_view text, std::string_view) {
      if (auto s = weak.lock()) s->ReceiveText(text);
    };
    events.on_request_failed = [weak](const std::string& id, resilience::Failure,
                                      std::string detail) {
      if (auto s = weak.lock()) s->Fail(id, Unavailable(std::move(detail)));
    };
    events.on_closed = [weak](const Error& why) {
      GW_LOG_WARNING("%s", why.message().c_str());
      if (auto s = weak.lock()) s->Close();
    };
    GW_RETURN_IF_ERROR(transport_->Start(std::move(events)));
    thread_ = std::thread([this] {
      io_.run();
      finished_.set_value();
    });
    std::promise<Result<protocol::InitializeResult>> done;
    session_->Initialize(
        [&](Result<protocol::InitializeResult> r) { done.set_value(std::move(r)); });
    GW_ASSIGN_OR_RETURN(auto init, done.get_future().get());
    // Wait (briefly) for the standalone stream: a server may send requests only there.
    auto listening = std::make_shared<std::promise<void>>();
    transport_->Initialized(init.protocol_version, [listening] { listening->set_value(); });
    listening->get_future().wait_for(std::chrono::seconds(5));
    return OkStatus();
  }

  // The response message to `method`, or an Error when none came.
  Result<Message> Call(const std::string& method, const std::string& params) {
    std::promise<Result<Message>> done;
    session_->Request(method, params, [&](Result<Message> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }

 private:
  const std::chrono::seconds timeout_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::thread thread_;
  std::promise<void> finished_;  // set when the I/O loop has run out of work
  std::shared_ptr<transport::UpstreamTransport> transport_;
  std::shared_ptr<ClientSession> session_;
};

// Prints a response: the result on stdout (exit 0) or the error on stderr (exit 1).
int Print(const Result<Message>& r) {
  if (!r) {
    std::fprintf(stderr, "edgegw client: %s\n", r.error().message().c_str());
    return 1;
  }
  if (r->kind() == protocol::MessageKind::kError) {
    std::fprintf(stderr, "edgegw client: error %s\n", protocol::Serialize(r->error()).c_str());
    return 1;
  }
  std::printf("%s\n", protocol::Serialize(r->result()).c_str());
  return 0;
}

// The conformance suite's client scenarios: list the tools, then call each one with the
// arguments its schema asks for (numbers get 1 and 2, strings "edgegw").
int RunConformance(Connection& c) {
  const char* scenario = std::getenv("MCP_CONFORMANCE_SCENARIO");
  std::string name = scenario ? scenario : "";
  if (name == "initialize") return 0;
  auto tools = c.Call("tools/list", "{}");
  if (Print(tools) != 0) return 1;
  const JsonValue* list = protocol::ArrayMember(tools->result(), "tools");
  if (!list) return 1;
  int status = 0;
  for (const auto& tool : list->GetArray()) {
    auto tool_name = protocol::StringMember(tool, "name");
    if (!tool_name) continue;
    JsonWriter args;
    args.StartObject();
    const JsonValue* schema = protocol::ObjectMember(tool, "inputSchema");
    const JsonValue* props = schema ? protocol::ObjectMember(*schema, "properties") : nullptr;
    int n = 0;
    if (props) {
      for (const auto& p : props->GetObject()) {
        auto type = protocol::StringMember(p.value, "type");
        args.Key(protocol::AsView(p.name));
        if (type == "number" || type == "integer")
          args.Int(++n);
        else if (type == "boolean")
          args.Bool(true);
        else
          args.String("edgegw");
      }
    }
    args.EndObject();
    JsonWriter params;
    params.StartObject().Field("name", *tool_name).Key("arguments").Raw(args.str()).EndObject();
    status |= Print(c.Call("tools/call", params.str()));
  }
  return status;
}

}  // namespace

int RunClient(const ClientFlags& flags) {
  if (!flags.conformance && flags.method.empty()) {
    std::fprintf(stderr, "edgegw client: give a METHOD (e.g. tools/list) or --conformance\n");
    return 2;
  }
  auto params = protocol::ParseJson(flags.params);
  if (!params || !params->IsObject()) {
    std::fprintf(stderr,
                 "edgegw client: JSON params must be an object, e.g. '{\"name\":\"echo\"}'\n");
    return 2;
  }
  Connection c(flags.timeout_seconds);
  if (Status s = c.Open(flags.target); !s) {
    std::fprintf(stderr, "edgegw client: %s\n", s.error().message().c_str());
    return 1;
  }
  if (flags.conformance) return RunConformance(c);
  return Print(c.Call(flags.method, flags.params));
}

}  // namespace gw::server
