// UpstreamImpl: the Upstream behind MakeUpstream. Private to gw/upstream.
// upstream.cc holds the session lifecycle (connect, handshake, listing, health, reconnect);
// upstream_forward.cc holds forwarding (retry, breaker, cancel) and the pass-through of
// progress, logging and server-to-client requests.
//
// Thread-safety: state is guarded by mu_. Calls into the ClientSession, the transport, the
// listener and client Calls are never made while holding mu_ (they may call back in).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio.hpp>

#include "gw/base/mutex.h"
#include "gw/protocol/client_session.h"
#include "gw/upstream/upstream.h"

namespace gw::upstream::internal {

// One request forwarded on behalf of a client call (or of the gateway itself).
struct Exchange {
  protocol::CallPtr call;  // null for the gateway's own requests
  std::string method;
  std::string params;
  bool idempotent = false;
  ForwardDone done;
  Clock::TimePoint started{};
  std::string progress_token;  // ours, mapped back to the client's; empty if none
  // Guarded by UpstreamImpl::mu_.
  int attempt = 0;
  std::string upstream_id;  // the id of the attempt in flight, empty between attempts
  std::optional<resilience::Failure> failure;  // why the transport lost the attempt
  std::string detail;
  bool finished = false;
};
using ExchangePtr = std::shared_ptr<Exchange>;

class UpstreamImpl final : public Upstream, public std::enable_shared_from_this<UpstreamImpl> {
 public:
  UpstreamImpl(boost::asio::io_context& io, UpstreamOptions options, TransportFactory transports,
               UpstreamMetrics* metrics, const Clock& clock, Random& random);
  ~UpstreamImpl() override;

  const std::string& name() const override { return options_.name; }
  void Start(UpstreamListener* listener) override;
  void Stop() override;
  void Forward(const protocol::CallPtr& call, std::string method, std::string params,
               std::string tool, ForwardDone done) override;
  void Request(std::string method, std::string params, ForwardDone done) override;
  std::shared_ptr<const UpstreamListing> listing() const override;
  UpstreamState state() const override;
  resilience::BreakerState breaker_state() const override { return breaker_.state(); }
  std::string Describe() const override;

 private:
  using Session = std::shared_ptr<protocol::ClientSession>;
  // upstream.cc: lifecycle.
  void Connect();
  void OnInitialized(uint64_t generation, Result<protocol::InitializeResult> result);
  void Refresh(uint64_t generation, std::string_view kind);
  void FetchList(uint64_t generation, const std::string& method, const std::string& key,
                 std::vector<std::string> UpstreamListing::*field, bool first,
                 std::function<void()> then);
  void FetchPages(uint64_t generation, std::string method, std::string key, std::string cursor,
                  std::shared_ptr<std::vector<std::string>> items, int page,
                  std::function<void(Status)> done);
  void OnClosed(uint64_t generation, const Error& why);
  void Tick();
  void After(Clock::Duration delay, std::function<void()> fn);
  Session SessionFor(uint64_t generation) const;
  void Publish(std::function<void(UpstreamListing&)> change);
  // upstream_forward.cc.
  void Attempt(const ExchangePtr& exchange);
  void OnAttemptDone(const ExchangePtr& exchange, Result<protocol::Message> response);
  void FailAttempt(const ExchangePtr& exchange, resilience::Failure failure, std::string detail);
  void Finish(const ExchangePtr& exchange, std::string_view outcome, Result<protocol::Message> result);
  void CancelExchange(const ExchangePtr& exchange);
  void OnMessage(uint64_t generation, std::string_view text, std::string_view related);
  void OnRequestFailed(uint64_t generation, const std::string& id, resilience::Failure failure,
                       std::string detail);
  void OnServerRequest(const protocol::Message& request, protocol::ClientSession::Reply reply);
  void OnNotification(uint64_t generation, const protocol::Message& notification);
  ExchangePtr RelatedExchange() const;

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  const UpstreamOptions options_;
  const TransportFactory transports_;
  UpstreamMetrics* const metrics_;
  const Clock& clock_;
  Random& random_;
  resilience::CircuitBreaker breaker_;

  mutable Mutex mu_;
  uint64_t generation_ = 0;                        // guarded by mu_
  std::shared_ptr<UpstreamTransport> transport_;   // guarded by mu_
  Session session_;                                // guarded by mu_
  UpstreamState state_ = UpstreamState::kConnecting;  // guarded by mu_
  bool stopped_ = false;                           // guarded by mu_
  int reconnect_failures_ = 0;                     // guarded by mu_
  std::string last_error_;                         // guarded by mu_
  std::shared_ptr<const UpstreamListing> listing_;  // guarded by mu_
  UpstreamListener* listener_ = nullptr;           // guarded by mu_
  Clock::TimePoint last_ping_{};                   // guarded by mu_
  bool ping_in_flight_ = false;                    // guarded by mu_
  uint64_t next_token_ = 1;                        // guarded by mu_
  std::map<std::string, ExchangePtr> exchanges_;   // upstream request id -> exchange
  std::map<std::string, ExchangePtr> by_token_;    // our progress token -> exchange
};

}  // namespace gw::upstream::internal
