// UpstreamImpl: the Upstream behind MakeUpstream. Private to gw/upstream.
// upstream.cc holds the session lifecycle (connect, handshake, listing, health, reconnect);
// upstream_forward.cc holds forwarding (retry, breaker, cancel) and the pass-through of
// progress, logging and server-to-client requests.
//
// Thread-safety: state is guarded by mu_. Calls into the ClientSession, the transport, the
// listener and client Calls are never made while holding mu_ (they may call back in).
#pragma once

#include <boost/asio.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "gw/base/check.h"
#include "gw/base/mutex.h"
#include "gw/protocol/client_session.h"
#include "gw/upstream/upstream.h"

namespace gw::upstream::internal {

// One request forwarded on behalf of a client call (or of the gateway itself). The fields
// without a guard are written before the exchange is shared and only read after, but `done`,
// which the one Finish that sets `finished` moves out.
struct Exchange {
  Exchange(Mutex& upstream_mu, protocol::CallPtr client_call)
      : mu(upstream_mu), call(std::move(client_call)) {}
  Mutex& mu;  // the UpstreamImpl's mu_
  // The client's call, null for the gateway's own requests; Finish drops it (which breaks the
  // call -> cancel handler -> exchange -> call cycle).
  protocol::CallPtr call GW_GUARDED_BY(mu);
  std::string method;
  std::string params;
  bool idempotent = false;
  ForwardDone done;
  Clock::TimePoint started{};
  std::string progress_token;  // ours, mapped back to the client's; empty if none
  int attempt GW_GUARDED_BY(mu) = 0;
  std::string upstream_id GW_GUARDED_BY(mu);  // the attempt in flight, empty between attempts
  std::optional<resilience::Failure> failure GW_GUARDED_BY(mu);  // why the transport lost it
  std::string detail GW_GUARDED_BY(mu);
  bool finished GW_GUARDED_BY(mu) = false;
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
  void Forward(const protocol::CallPtr& call, const ParamsEdit& edit, const std::string& tool,
               ForwardDone done) override;
  void Request(std::string method, std::string params, ForwardDone done) override;
  // Sends `params` (the final JSON text) as `method`, for `call` when there is one.
  void Send(const protocol::CallPtr& call, std::string method, std::string params,
            const std::string& tool, const std::string& progress_token, ForwardDone done);
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
                 const std::function<void()>& then);
  void FetchPages(uint64_t generation, const std::string& method, const std::string& key,
                  const std::string& cursor, const std::shared_ptr<std::vector<std::string>>& items,
                  int page, std::function<void(Status)> done);
  void OnClosed(uint64_t generation, const Error& why);
  void Tick();
  void After(Clock::Duration delay, std::function<void()> fn);
  Session SessionFor(uint64_t generation) const;
  void Publish(const std::function<void(UpstreamListing&)>& change);
  // upstream_forward.cc.
  void Attempt(const ExchangePtr& exchange);
  void OnAttemptDone(const ExchangePtr& exchange, Result<protocol::Message> response);
  void FailAttempt(const ExchangePtr& exchange, resilience::Failure failure,
                   const std::string& detail);
  void Finish(const ExchangePtr& exchange, std::string_view outcome,
              Result<protocol::Message> result);
  void CancelExchange(const ExchangePtr& exchange);
  void OnMessage(uint64_t generation, std::string_view text, std::string_view related);
  void OnRequestFailed(uint64_t generation, const std::string& id, resilience::Failure failure,
                       std::string detail);
  void OnServerRequest(const protocol::Message& request,
                       const protocol::ClientSession::Reply& reply);
  void OnNotification(uint64_t generation, const protocol::Message& notification);
  // The client call that a message from the upstream belongs to, or null.
  protocol::CallPtr RelatedCall() const;
  // An exchange's guarded fields are guarded by mu_ (Exchange::mu is mu_).
  void Holds(const Exchange& ex) const GW_REQUIRES(mu_) GW_ASSERT_CAPABILITY(ex.mu) {
    GW_DCHECK(&ex.mu == &mu_);
  }

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  const UpstreamOptions options_;
  const TransportFactory transports_;
  UpstreamMetrics* const metrics_;
  const Clock& clock_;
  Random& random_;
  resilience::CircuitBreaker breaker_;

  mutable Mutex mu_;
  uint64_t generation_ GW_GUARDED_BY(mu_) = 0;
  std::shared_ptr<UpstreamTransport> transport_ GW_GUARDED_BY(mu_);
  Session session_ GW_GUARDED_BY(mu_);
  UpstreamState state_ GW_GUARDED_BY(mu_) = UpstreamState::kConnecting;
  bool stopped_ GW_GUARDED_BY(mu_) = false;
  int reconnect_failures_ GW_GUARDED_BY(mu_) = 0;
  std::string last_error_ GW_GUARDED_BY(mu_);
  std::shared_ptr<const UpstreamListing> listing_ GW_GUARDED_BY(mu_);
  UpstreamListener* listener_ GW_GUARDED_BY(mu_) = nullptr;
  Clock::TimePoint last_ping_ GW_GUARDED_BY(mu_){};
  bool ping_in_flight_ GW_GUARDED_BY(mu_) = false;
  uint64_t next_token_ GW_GUARDED_BY(mu_) = 1;
  std::map<std::string, ExchangePtr> exchanges_
      GW_GUARDED_BY(mu_);  // upstream request id -> exchange
  std::map<std::string, ExchangePtr> by_token_
      GW_GUARDED_BY(mu_);  // our progress token -> exchange
};

}  // namespace gw::upstream::internal
