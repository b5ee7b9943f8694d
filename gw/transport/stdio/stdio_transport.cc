#include "gw/transport/stdio/stdio_transport.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include "gw/base/log.h"
#include "gw/protocol/server_session.h"

namespace gw::transport {
namespace {

// Writes each message as one line; records request metrics when a call's answer leaves.
class LineOutbox final : public protocol::Outbox {
 public:
  LineOutbox(std::FILE* out, TransportMetrics* metrics) : out_(out), metrics_(metrics) {}

  void Begin(const std::string& id, const std::string& method) {
    std::lock_guard lock(mu_);
    pending_[id] = {method, RealClock().Now()};
  }

  void Send(std::string message, std::string_view related, bool final) override {
    std::lock_guard lock(mu_);
    if (final && !related.empty()) {
      auto it = pending_.find(std::string(related));
      if (it != pending_.end()) {
        if (metrics_) {
          double seconds =
              std::chrono::duration<double>(RealClock().Now() - it->second.start).count();
          metrics_->RecordAnswer(it->second.method, message, seconds);
        }
        pending_.erase(it);
      }
    }
    if (message.empty()) return;
    message += '\n';
    std::fwrite(message.data(), 1, message.size(), out_);
    std::fflush(out_);
  }

 private:
  struct Pending {
    std::string method;
    Clock::TimePoint start;
  };
  std::FILE* const out_;
  TransportMetrics* const metrics_;
  std::mutex mu_;
  std::map<std::string, Pending> pending_;  // guarded by mu_
};

}  // namespace

Status ServeStdio(std::FILE* in, std::FILE* out, protocol::Service& service,
                  TransportMetrics* metrics, const StdioOptions& options) {
  auto outbox = std::make_shared<LineOutbox>(out, metrics);
  protocol::ServerSession session("stdio", service, outbox);
  if (metrics) metrics->SessionOpened("stdio");
  char* line = nullptr;
  size_t capacity = 0;
  Status status = OkStatus();
  while (true) {
    errno = 0;
    ssize_t n = getline(&line, &capacity, in);
    if (n < 0) {
      if (errno != 0 && !std::feof(in)) {
        status = MakeError(Code::kDataLoss, std::string("reading stdin failed: ") +
                                                std::strerror(errno));
      }
      break;
    }
    std::string_view text(line, static_cast<size_t>(n));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    if (text.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (text.size() > options.max_line_bytes) {
      outbox->Send(protocol::MakeErrorResponse(
                       "null", protocol::rpc::kInvalidRequest,
                       "Invalid Request: message of " + std::to_string(text.size()) +
                           " bytes exceeds the limit of " + std::to_string(options.max_line_bytes)),
                   {}, false);
      continue;
    }
    auto message = protocol::ParseMessage(text);
    if (message && message->is_request()) outbox->Begin(message->id(), message->method());
    if (message) {
      session.Receive(std::move(*message));
    } else {
      session.ReceiveText(text);  // answers the parse error
    }
  }
  std::free(line);
  session.Close();
  if (metrics) metrics->SessionClosed("stdio");
  return status;
}

}  // namespace gw::transport
