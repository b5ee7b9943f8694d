#include "gw/transport/stdio/stdio_transport.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>

#include "gw/base/log.h"
#include "gw/base/mutex.h"
#include "gw/protocol/server_session.h"

namespace gw::transport {
namespace {

// Writes each message as one line; records request metrics when a call's answer leaves.
class LineOutbox final : public protocol::Outbox {
 public:
  LineOutbox(int out_fd, TransportMetrics* metrics) : out_fd_(out_fd), metrics_(metrics) {}

  void Begin(const std::string& id, const std::string& method) {
    MutexLock lock(mu_);
    pending_[id] = {method, RealClock().Now()};
  }

  void Send(std::string message, std::string_view related, bool final) override {
    MutexLock lock(mu_);
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
    WriteAll(message);
  }

 private:
  // Writes every byte; waits in poll() when the descriptor is non-blocking and full.
  void WriteAll(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = write(out_fd_, data.data(), data.size());
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        struct pollfd p = {out_fd_, POLLOUT, 0};
        poll(&p, 1, -1);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        GW_LOG_ERROR("stdio: writing a reply failed: %s", std::strerror(errno));
        return;  // the client is gone; reading stdin will end the session
      }
    }
  }

  struct Pending {
    std::string method;
    Clock::TimePoint start;
  };
  const int out_fd_;
  TransportMetrics* const metrics_;
  Mutex mu_;
  std::map<std::string, Pending> pending_ GW_GUARDED_BY(mu_);
};

// Reads newline-delimited messages from a descriptor that may be non-blocking (Node's WASI
// hands guests non-blocking sockets): EAGAIN waits in poll() instead of ending the session.
class LineReader {
 public:
  // `tick` runs about every `tick_ms` while no input arrives (housekeeping: timeouts).
  LineReader(int fd, size_t max_line, int tick_ms, std::function<void()> tick)
      : fd_(fd), max_line_(max_line), tick_ms_(tick_ms), tick_(std::move(tick)) {}

  // Next line without its terminator; `*too_long` is set (and the line left empty) for a
  // line over the limit, whose bytes are discarded. Returns false at end of input; `error`
  // is set when reading failed for another reason.
  bool Next(std::string* line, bool* too_long, std::string* error) {
    *too_long = false;
    while (true) {
      size_t nl = buffer_.find('\n', scanned_);
      if (nl != std::string::npos) {
        *too_long = discarding_ || nl > max_line_;
        line->assign(*too_long ? std::string() : buffer_.substr(0, nl));
        buffer_.erase(0, nl + 1);
        scanned_ = 0;
        discarding_ = false;
        return true;
      }
      scanned_ = buffer_.size();
      if (buffer_.size() > max_line_) {  // keep memory bounded: drop the oversized line
        buffer_.clear();
        scanned_ = 0;
        discarding_ = true;
      }
      if (eof_) {
        if (buffer_.empty() && !discarding_) return false;
        *too_long = discarding_;
        line->assign(discarding_ ? std::string() : buffer_);
        buffer_.clear();
        discarding_ = false;
        return true;
      }
      struct pollfd ready = {fd_, POLLIN, 0};
      int polled = poll(&ready, 1, tick_ms_);
      if (polled == 0) {
        if (tick_) tick_();
        continue;
      }
      ssize_t n = read(fd_, chunk_, sizeof(chunk_));
      if (n > 0) {
        buffer_.append(chunk_, static_cast<size_t>(n));
      } else if (n == 0) {
        eof_ = true;
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        struct pollfd p = {fd_, POLLIN, 0};
        poll(&p, 1, -1);
      } else if (errno != EINTR) {
        *error = std::strerror(errno);
        return false;
      }
    }
  }

 private:
  const int fd_;
  const size_t max_line_;
  const int tick_ms_;
  const std::function<void()> tick_;
  std::string buffer_;
  size_t scanned_ = 0;
  bool discarding_ = false;
  bool eof_ = false;
  char chunk_[16384];  // a member, not a local: wasm32 stacks are small
};

}  // namespace

Status ServeStdio(int in_fd, int out_fd, protocol::Service& service, TransportMetrics* metrics,
                  const StdioOptions& options) {
  auto outbox = std::make_shared<LineOutbox>(out_fd, metrics);
  protocol::ServerSession session("stdio", service, outbox, options.session);
  if (metrics) metrics->SessionOpened("stdio");
  LineReader reader(in_fd, options.max_line_bytes, 5000,
                    [&session] { session.ExpireClientRequests(); });
  std::string line;
  std::string error;
  bool too_long = false;
  while (reader.Next(&line, &too_long, &error)) {
    if (too_long) {
      outbox->Send(protocol::MakeErrorResponse("null", protocol::rpc::kInvalidRequest,
                                               "Invalid Request: message exceeds the limit of " +
                                                   std::to_string(options.max_line_bytes) +
                                                   " bytes (stdio.max_line_bytes)"),
                   {}, false);
      continue;
    }
    std::string_view text(line);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.find_first_not_of(" \t") == std::string_view::npos) continue;
    auto message = protocol::ParseMessage(text);
    if (message && message->is_request()) outbox->Begin(message->id(), message->method());
    if (message) {
      session.Receive(std::move(*message));
    } else {
      session.ReceiveText(text);  // answers the parse error
    }
  }
  session.Close();
  if (metrics) metrics->SessionClosed("stdio");
  if (!error.empty()) return MakeError(Code::kDataLoss, "reading stdin failed: " + error);
  return OkStatus();
}

}  // namespace gw::transport
