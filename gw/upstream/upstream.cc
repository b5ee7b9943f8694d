// Upstream session lifecycle: connect, handshake, listing, health pings, reconnect.
#include <algorithm>

#include "gw/base/log.h"
#include "gw/protocol/json.h"
#include "gw/upstream/internal/upstream_impl.h"

namespace gw::upstream {

std::string_view UpstreamStateName(UpstreamState state) {
  switch (state) {
    case UpstreamState::kConnecting:
      return "connecting";
    case UpstreamState::kReady:
      return "ready";
    case UpstreamState::kBackoff:
      return "backoff";
    case UpstreamState::kStopped:
      return "stopped";
  }
  return "unknown";
}

std::shared_ptr<Upstream> MakeUpstream(boost::asio::io_context& io, UpstreamOptions options,
                                       TransportFactory transports, UpstreamMetrics* metrics,
                                       const Clock& clock, Random& random) {
  return std::make_shared<internal::UpstreamImpl>(io, std::move(options), std::move(transports),
                                                  metrics, clock, random);
}

namespace internal {

using protocol::ClientSession;
using protocol::JsonWriter;
using protocol::Message;

UpstreamImpl::UpstreamImpl(boost::asio::io_context& io, UpstreamOptions options,
                           TransportFactory transports, UpstreamMetrics* metrics,
                           const Clock& clock, Random& random)
    : strand_(boost::asio::make_strand(io)),
      options_(std::move(options)),
      transports_(std::move(transports)),
      metrics_(metrics),
      clock_(clock),
      random_(random),
      breaker_(options_.breaker, clock) {
  listing_ = options_.initial_listing;
}

UpstreamImpl::~UpstreamImpl() = default;

void UpstreamImpl::Start(UpstreamListener* listener) {
  {
    MutexLock lock(mu_);
    listener_ = listener;
  }
  if (metrics_) {
    metrics_->SetConnected(options_.name, false);
    metrics_->SetBreakerState(options_.name, breaker_.state());
  }
  boost::asio::post(strand_, [self = shared_from_this()] {
    self->Connect();
    self->Tick();
  });
}

void UpstreamImpl::Stop() {
  std::shared_ptr<UpstreamTransport> transport;
  Session session;
  {
    MutexLock lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    ++generation_;
    state_ = UpstreamState::kStopped;
    transport = std::move(transport_);
    session = std::move(session_);
    listener_ = nullptr;
  }
  if (transport) transport->Close();
  if (session) session->Close();
}

std::string UpstreamImpl::Describe() const {
  MutexLock lock(mu_);
  return transport_ ? transport_->Describe() : options_.name;
}

std::shared_ptr<const UpstreamListing> UpstreamImpl::listing() const {
  MutexLock lock(mu_);
  return listing_;
}

UpstreamState UpstreamImpl::state() const {
  MutexLock lock(mu_);
  return state_;
}

UpstreamImpl::Session UpstreamImpl::SessionFor(uint64_t generation) const {
  MutexLock lock(mu_);
  return generation == generation_ ? session_ : nullptr;
}

void UpstreamImpl::After(Clock::Duration delay, std::function<void()> fn) {
  auto timer = std::make_shared<boost::asio::steady_timer>(strand_);
  timer->expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(delay));
  timer->async_wait([timer, fn = std::move(fn)](const boost::system::error_code& ec) {
    if (!ec) fn();
  });
}

void UpstreamImpl::Connect() {
  std::shared_ptr<UpstreamTransport> transport = transports_();
  protocol::ClientSessionOptions o;
  o.client_name = options_.client_name;
  o.client_version = options_.client_version;
  // We offer what clients may offer us; a request the actual client cannot serve is
  // answered with its error.
  o.capabilities = R"({"sampling":{},"elicitation":{},"roots":{"listChanged":true}})";
  o.request_timeout = options_.call_timeout;
  o.clock = &clock_;
  auto session = std::make_shared<ClientSession>(o, transport);
  uint64_t generation;
  {
    MutexLock lock(mu_);
    if (stopped_) return;
    generation = ++generation_;
    transport_ = transport;
    session_ = session;
    state_ = UpstreamState::kConnecting;
  }
  std::weak_ptr<UpstreamImpl> weak = weak_from_this();
  session->SetRequestHandler([weak](const Message& request, const ClientSession::Reply& reply) {
    if (auto self = weak.lock()) return self->OnServerRequest(request, reply);
    reply.error(protocol::rpc::kInternalError, "the gateway is shutting down");
  });
  session->SetNotificationHandler([weak, generation](const Message& notification) {
    if (auto self = weak.lock()) self->OnNotification(generation, notification);
  });
  TransportEvents events;
  events.on_message = [weak, generation](std::string_view text, std::string_view related) {
    if (auto self = weak.lock()) self->OnMessage(generation, text, related);
  };
  events.on_request_failed = [weak, generation](const std::string& id, resilience::Failure f,
                                                std::string detail) {
    if (auto self = weak.lock()) self->OnRequestFailed(generation, id, f, std::move(detail));
  };
  events.on_closed = [weak, generation](const Error& why) {
    if (auto self = weak.lock()) self->OnClosed(generation, why);
  };
  if (Status started = transport->Start(std::move(events)); !started) {
    return OnClosed(generation, started.error());
  }
  session->Initialize([weak, generation](Result<protocol::InitializeResult> result) {
    if (auto self = weak.lock()) self->OnInitialized(generation, std::move(result));
  });
}

void UpstreamImpl::OnInitialized(uint64_t generation, Result<protocol::InitializeResult> result) {
  if (!result) return OnClosed(generation, result.error());
  std::shared_ptr<UpstreamTransport> transport;
  {
    MutexLock lock(mu_);
    if (generation != generation_) return;
    transport = transport_;
  }
  transport->Initialized(result->protocol_version);
  auto caps = protocol::ParseJson(result->capabilities);
  bool tools = caps && protocol::ObjectMember(*caps, "tools");
  bool resources = caps && protocol::ObjectMember(*caps, "resources");
  bool prompts = caps && protocol::ObjectMember(*caps, "prompts");
  Publish([&](UpstreamListing& l) {
    l.capabilities = result->capabilities;
    l.server_name = result->server_name;
    l.server_version = result->server_version;
  });
  GW_LOG_INFO("upstream '%s' connected: %s %s (protocol %s)", options_.name.c_str(),
              result->server_name.c_str(), result->server_version.c_str(),
              result->protocol_version.c_str());
  // The upstream is ready once every list it offers has been read.
  auto remaining = std::make_shared<int>(int(tools) + 2 * int(resources) + int(prompts));
  auto one_done = [this, generation, remaining] {
    if (--*remaining > 0) return;
    UpstreamListener* listener;
    {
      MutexLock lock(mu_);
      if (generation != generation_) return;
      state_ = UpstreamState::kReady;
      reconnect_failures_ = 0;
      last_error_.clear();
      listener = listener_;
    }
    if (metrics_) metrics_->SetConnected(options_.name, true);
    if (listener) listener->ListingChanged(*this);
  };
  if (*remaining == 0) {
    ++*remaining;
    return one_done();
  }
  auto self = shared_from_this();
  auto fetch = [self, generation, one_done](const char* method, const char* key,
                                            std::vector<std::string> UpstreamListing::*field) {
    self->FetchList(generation, method, key, field, /*first=*/true, one_done);
  };
  if (tools) fetch("tools/list", "tools", &UpstreamListing::tools);
  if (resources) {
    fetch("resources/list", "resources", &UpstreamListing::resources);
    fetch("resources/templates/list", "resourceTemplates", &UpstreamListing::templates);
  }
  if (prompts) fetch("prompts/list", "prompts", &UpstreamListing::prompts);
}

void UpstreamImpl::Publish(const std::function<void(UpstreamListing&)>& change) {
  MutexLock lock(mu_);
  auto next =
      listing_ ? std::make_shared<UpstreamListing>(*listing_) : std::make_shared<UpstreamListing>();
  change(*next);
  listing_ = std::move(next);
}

void UpstreamImpl::FetchPages(uint64_t generation, const std::string& method,
                              const std::string& key, const std::string& cursor,
                              const std::shared_ptr<std::vector<std::string>>& items, int page,
                              std::function<void(Status)> done) {
  constexpr int kMaxPages = 200;
  constexpr size_t kMaxItems = 20000;
  Session session = SessionFor(generation);
  if (!session) return done(Unavailable("session ended"));
  JsonWriter params;
  params.StartObject();
  if (!cursor.empty()) params.Field("cursor", cursor);
  params.EndObject();
  auto self = shared_from_this();
  session->Request(
      method, params.str(),
      [self, generation, method, key, items, page,
       done = std::move(done)](Result<Message> r) mutable {
        if (!r) return done(r.error());
        if (r->kind() == protocol::MessageKind::kError) {
          return done(Unavailable("answered " + protocol::Serialize(r->error())));
        }
        const protocol::JsonValue* list = protocol::ArrayMember(r->result(), key);
        if (!list) return done(Unavailable("the result has no '" + key + "' array"));
        for (const auto& item : list->GetArray()) {
          if (item.IsObject() && items->size() < kMaxItems)
            items->push_back(protocol::Serialize(item));
        }
        auto next = protocol::StringMember(r->result(), "nextCursor");
        if (!next || next->empty()) return done(OkStatus());
        if (page + 1 >= kMaxPages)
          return done(Unavailable("more than " + std::to_string(kMaxPages) + " pages"));
        self->FetchPages(generation, method, key, std::string(*next), items, page + 1,
                         std::move(done));
      });
}

void UpstreamImpl::Refresh(uint64_t generation, std::string_view kind) {
  auto self = shared_from_this();
  auto fetch = [self, generation](const char* method, const char* key,
                                  std::vector<std::string> UpstreamListing::*field,
                                  const std::function<void()>& then) {
    self->FetchList(generation, method, key, field, /*first=*/false, then);
  };
  auto notify = [self] {
    UpstreamListener* listener;
    {
      MutexLock lock(self->mu_);
      listener = self->listener_;
    }
    if (listener) listener->ListingChanged(*self);
  };
  if (kind == "tools") fetch("tools/list", "tools", &UpstreamListing::tools, notify);
  if (kind == "prompts") fetch("prompts/list", "prompts", &UpstreamListing::prompts, notify);
  if (kind == "resources") {
    fetch("resources/list", "resources", &UpstreamListing::resources, [=] {
      fetch("resources/templates/list", "resourceTemplates", &UpstreamListing::templates, notify);
    });
  }
}

// Reads every page of one list and publishes it, then runs `then`. When it fails, the first
// read after connecting publishes what it got and goes on (the upstream is still usable); a
// refresh keeps the list it had.
void UpstreamImpl::FetchList(uint64_t generation, const std::string& method, const std::string& key,
                             std::vector<std::string> UpstreamListing::*field, bool first,
                             const std::function<void()>& then) {
  auto items = std::make_shared<std::vector<std::string>>();
  auto self = shared_from_this();
  FetchPages(
      generation, method, key, {}, items, 0, [self, items, field, first, then, method](Status s) {
        if (!s) {
          GW_LOG_WARNING("upstream '%s': %s%s failed: %s", self->options_.name.c_str(),
                         first ? "" : "refreshing ", method.c_str(), s.error().message().c_str());
          if (!first) return;
        }
        self->Publish([&](UpstreamListing& l) { l.*field = std::move(*items); });
        then();
      });
}

void UpstreamImpl::OnClosed(uint64_t generation, const Error& why) {
  std::shared_ptr<UpstreamTransport> transport;
  Session session;
  Clock::Duration delay;
  {
    MutexLock lock(mu_);
    if (generation != generation_ || stopped_) return;
    ++generation_;
    transport = std::move(transport_);
    session = std::move(session_);
    state_ = UpstreamState::kBackoff;
    last_error_ = why.message();
    // Exponential backoff with full jitter, as for calls.
    auto ceiling = options_.reconnect_base;
    for (int i = 0; i < reconnect_failures_ && ceiling < options_.reconnect_max; ++i) ceiling *= 2;
    ceiling = std::min(ceiling, options_.reconnect_max);
    delay = std::chrono::milliseconds(
        ceiling.count() / 2 +
        static_cast<int64_t>(random_.Uniform(static_cast<uint64_t>(ceiling.count() / 2) + 1)));
    ++reconnect_failures_;
  }
  GW_LOG_WARNING(
      "upstream '%s' (%s): %s; reconnecting in %lld ms", options_.name.c_str(),
      transport ? transport->Describe().c_str() : "", why.message().c_str(),
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(delay).count()));
  if (metrics_) {
    metrics_->SetConnected(options_.name, false);
    metrics_->RecordReconnect(options_.name);
  }
  if (transport) transport->Close();
  if (session) session->Close();  // pending calls fail now; their retry rules decide
  auto self = shared_from_this();
  After(delay, [self] { self->Connect(); });
}

void UpstreamImpl::Tick() {
  Session session;
  uint64_t generation;
  bool ping = false;
  {
    MutexLock lock(mu_);
    if (stopped_) return;
    session = session_;
    generation = generation_;
    auto now = clock_.Now();
    if (state_ == UpstreamState::kReady && options_.ping_interval.count() > 0 && !ping_in_flight_ &&
        now - last_ping_ >= options_.ping_interval) {
      ping = true;
      ping_in_flight_ = true;
      last_ping_ = now;
    }
  }
  if (session) session->ExpireRequests();
  if (ping) {
    auto self = shared_from_this();
    session->Request("ping", "{}", [self, generation](Result<Message> r) {
      {
        MutexLock lock(self->mu_);
        self->ping_in_flight_ = false;
      }
      if (r) {
        self->breaker_.RecordSuccess();
      } else if (r.error().code() == Code::kDeadlineExceeded) {
        self->breaker_.RecordFailure();
        self->OnClosed(generation, Unavailable("it did not answer a health ping"));
      }
      if (self->metrics_)
        self->metrics_->SetBreakerState(self->options_.name, self->breaker_.state());
    });
  }
  auto self = shared_from_this();
  After(std::chrono::seconds(1), [self] { self->Tick(); });
}

}  // namespace internal
}  // namespace gw::upstream
