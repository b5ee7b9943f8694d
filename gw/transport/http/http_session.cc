#include "gw/transport/http/http_session.h"

#include <random>
#include <vector>

namespace gw::transport {
namespace {

constexpr size_t kMaxEventsPerStream = 1024;
constexpr size_t kRetainedFinishedStreams = 64;

}  // namespace

StreamRouter::StreamRouter(TransportMetrics* metrics, const Clock& clock)
    : metrics_(metrics),
      clock_(clock),
      standalone_(std::make_shared<EventStream>(0, kMaxEventsPerStream)) {}

std::shared_ptr<EventStream> StreamRouter::OpenRequestStream(const std::string& id,
                                                             std::string_view method,
                                                             OpenError* error) {
  MutexLock lock(mu_);
  *error = closed_                           ? OpenError::kClosed
           : pending_.count(id)              ? OpenError::kDuplicateId
           : pending_.size() >= kMaxInFlight ? OpenError::kTooManyInFlight
                                             : OpenError::kNone;
  if (*error != OpenError::kNone) return nullptr;
  auto stream = std::make_shared<EventStream>(next_number_++, kMaxEventsPerStream);
  pending_.emplace(id, Pending{stream, std::string(method), clock_.Now()});
  by_number_.emplace(stream->number(), stream);
  // Keep finished streams for a while so clients can resume them; forget the oldest.
  if (by_number_.size() > kRetainedFinishedStreams + pending_.size()) {
    for (auto it = by_number_.begin(); it != by_number_.end(); ++it) {
      if (it->second->finished()) {
        by_number_.erase(it);
        break;
      }
    }
  }
  return stream;
}

std::shared_ptr<EventStream> StreamRouter::Find(uint64_t number) const {
  if (number == 0) return standalone_;
  MutexLock lock(mu_);
  auto it = by_number_.find(number);
  return it == by_number_.end() ? nullptr : it->second;
}

void StreamRouter::Send(std::string message, std::string_view related, bool final) {
  std::shared_ptr<EventStream> target;
  {
    MutexLock lock(mu_);
    auto it = related.empty() ? pending_.end() : pending_.find(std::string(related));
    if (it != pending_.end()) {
      target = it->second.stream;
      if (final) {
        if (metrics_) {
          double seconds = std::chrono::duration<double>(clock_.Now() - it->second.start).count();
          metrics_->RecordAnswer(it->second.method, message, seconds);
        }
        pending_.erase(it);
      }
    }
  }
  if (target) {
    target->Push(std::move(message), final);
  } else if (!message.empty()) {
    standalone_->Push(std::move(message), false);
  }
}

void StreamRouter::Interrupt(std::string_view related) {
  std::shared_ptr<EventStream> target;
  {
    MutexLock lock(mu_);
    auto it = pending_.find(std::string(related));
    if (it == pending_.end()) return;
    target = it->second.stream;
  }
  target->Interrupt();
}

void StreamRouter::FinishAll() {
  std::vector<std::shared_ptr<EventStream>> streams;
  {
    MutexLock lock(mu_);
    closed_ = true;  // a POST racing DELETE or expiry gets 404 instead of a stream nobody ends
    for (auto& [number, stream] : by_number_) streams.push_back(stream);
    pending_.clear();
  }
  for (auto& stream : streams) stream->Push({}, true);
  standalone_->Push({}, true);
}

HttpSession::HttpSession(std::string id, protocol::Service& service, TransportMetrics* metrics,
                         const Clock& clock, const protocol::SessionOptions& options)
    : id_(std::move(id)),
      metrics_(metrics),
      clock_(clock),
      router_(std::make_shared<StreamRouter>(metrics, clock)),
      session_(id_, service, router_, options),
      last_active_(clock.Now()) {
  if (metrics_) metrics_->SessionOpened("http");
}

HttpSession::~HttpSession() {
  Close();
  if (metrics_) metrics_->SessionClosed("http");
}

void HttpSession::Touch() {
  MutexLock lock(mu_);
  last_active_ = clock_.Now();
}

Clock::TimePoint HttpSession::last_active() const {
  MutexLock lock(mu_);
  return last_active_;
}

void HttpSession::Close() {
  session_.Close();
  router_->FinishAll();
}

SessionRegistry::SessionRegistry(protocol::Service& service, TransportMetrics* metrics,
                                 const Clock& clock, size_t max_sessions,
                                 const protocol::SessionOptions& options)
    : service_(service),
      metrics_(metrics),
      clock_(clock),
      max_sessions_(max_sessions),
      session_options_([&] {
        protocol::SessionOptions o = options;
        o.transport = "http";
        return o;
      }()) {}

size_t SessionRegistry::ExpireClientRequests() {
  std::vector<HttpSessionPtr> sessions;
  {
    MutexLock lock(mu_);
    sessions.reserve(sessions_.size());
    for (auto& [id, session] : sessions_) sessions.push_back(session);
  }
  size_t n = 0;
  for (auto& session : sessions) n += session->session().ExpireClientRequests();
  return n;
}

SessionRegistry::~SessionRegistry() { CloseAll(); }

HttpSessionPtr SessionRegistry::Create() {
  MutexLock lock(mu_);
  if (sessions_.size() >= max_sessions_) return nullptr;
  std::string id = NewSessionId();
  auto session = std::make_shared<HttpSession>(id, service_, metrics_, clock_, session_options_);
  sessions_.emplace(id, session);
  return session;
}

HttpSessionPtr SessionRegistry::Find(const std::string& id) const {
  MutexLock lock(mu_);
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second;
}

bool SessionRegistry::Remove(const std::string& id) {
  HttpSessionPtr session;
  {
    MutexLock lock(mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return false;
    session = std::move(it->second);
    sessions_.erase(it);
  }
  session->Close();
  return true;
}

size_t SessionRegistry::ExpireIdle(Clock::Duration idle) {
  std::vector<HttpSessionPtr> expired;
  Clock::TimePoint now = clock_.Now();
  {
    MutexLock lock(mu_);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      // A session that never finished the handshake holds a slot for a minute at most.
      bool handshaking = it->second->session().state() != protocol::SessionState::kReady;
      Clock::Duration limit =
          handshaking ? std::min<Clock::Duration>(idle, std::chrono::seconds(60)) : idle;
      if (now - it->second->last_active() > limit && it->second->session().calls_in_flight() == 0) {
        expired.push_back(std::move(it->second));
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& session : expired) session->Close();
  return expired.size();
}

void SessionRegistry::CloseAll() {
  std::map<std::string, HttpSessionPtr> sessions;
  {
    MutexLock lock(mu_);
    sessions.swap(sessions_);
  }
  for (auto& [id, session] : sessions) session->Close();
}

size_t SessionRegistry::size() const {
  MutexLock lock(mu_);
  return sessions_.size();
}

std::string NewSessionId() {
  // std::random_device reads the OS entropy source (getrandom) on Linux; session ids must
  // be unguessable, so no seeded PRNG here.
  thread_local std::random_device device;
  static const char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int word = 0; word < 4; ++word) {
    uint32_t bits = device();
    for (int i = 0; i < 8; ++i) id[word * 8 + i] = kHex[(bits >> (i * 4)) & 0xf];
  }
  return id;
}

}  // namespace gw::transport
