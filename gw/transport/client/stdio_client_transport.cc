#include "gw/transport/client/stdio_client_transport.h"

#include <unistd.h>

#include <boost/asio.hpp>
#include <deque>

#include "gw/base/log.h"
#include "gw/transport/asio_types.h"

namespace gw::transport {
namespace {

using namespace transport::asio_types;  // NOLINT: the shared Asio vocabulary
using Pipe = asio::posix::basic_stream_descriptor<Executor>;
using boost::system::error_code;

std::string CommandLine(const ProcessSpec& spec) {
  std::string s;
  for (const std::string& a : spec.argv) {
    if (!s.empty()) s += ' ';
    s += a;
  }
  return s;
}

class StdioTransport final : public UpstreamTransport,
                             public std::enable_shared_from_this<StdioTransport> {
 public:
  StdioTransport(asio::io_context& io, ProcessSpawner& spawner, StdioTransportOptions options)
      : strand_(asio::make_strand(io)),
        spawner_(spawner),
        options_(std::move(options)),
        in_(strand_),
        out_(strand_) {}

  ~StdioTransport() override {
    if (pid_ > 0 && !reaped_) {  // never closed: do not leave the child behind
      spawner_.Signal(pid_, /*force=*/true);
      spawner_.TryReap(pid_);
    }
  }

  Status Start(TransportEvents events) override {
    events_ = std::move(events);
    GW_ASSIGN_OR_RETURN(ChildProcess child, spawner_.Spawn(options_.process));
    pid_ = child.pid;
    in_.assign(child.stdin_fd);
    out_.assign(child.stdout_fd);
    GW_LOG_INFO("started upstream '%s' (pid %d)", Describe().c_str(), pid_);
    asio::co_spawn(strand_, ReadLoop(shared_from_this()), asio::detached);
    return OkStatus();
  }

  void Send(std::string message) override {
    message += '\n';
    asio::post(strand_, [self = shared_from_this(), message = std::move(message)]() mutable {
      if (self->closing_) return;
      self->queue_.push_back(std::move(message));
      if (!self->writing_) {
        self->writing_ = true;
        asio::co_spawn(self->strand_, WriteLoop(self), asio::detached);
      }
    });
  }

  void Close() override {
    asio::post(strand_, [self = shared_from_this()] {
      if (self->closing_) return;
      self->closing_ = true;
      self->queue_.clear();
      error_code ignored;
      self->in_.close(ignored);  // the child sees end of file and should exit
      asio::co_spawn(self->strand_, Shutdown(self), asio::detached);
    });
  }

  std::string Describe() const override { return "stdio: " + CommandLine(options_.process); }

 private:
  static Task<void> WriteLoop(std::shared_ptr<StdioTransport> self) {
    while (!self->queue_.empty() && !self->closing_) {
      std::string message = std::move(self->queue_.front());
      self->queue_.pop_front();
      error_code ec;
      co_await asio::async_write(self->in_, asio::buffer(message),
                                 asio::redirect_error(kUseTask, ec));
      if (ec) {
        GW_LOG_WARNING("%s: writing to the child failed: %s", self->Describe().c_str(),
                       ec.message().c_str());
        self->queue_.clear();
        break;  // the read loop sees the child end and reports it
      }
    }
    self->writing_ = false;
  }

  static Task<void> ReadLoop(std::shared_ptr<StdioTransport> self) {
    std::string buffer;
    char chunk[16384];
    while (true) {
      error_code ec;
      size_t n = co_await self->out_.async_read_some(asio::buffer(chunk),
                                                     asio::redirect_error(kUseTask, ec));
      if (ec) break;
      buffer.append(chunk, n);
      size_t start = 0;
      while (true) {
        size_t nl = buffer.find('\n', start);
        if (nl == std::string::npos) break;
        std::string_view line(buffer.data() + start, nl - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!line.empty() && self->events_.on_message) self->events_.on_message(line, {});
        start = nl + 1;
      }
      buffer.erase(0, start);
      if (buffer.size() > self->options_.max_line_bytes) {
        GW_LOG_WARNING("%s: a line longer than %zu bytes; stopping the child",
                       self->Describe().c_str(), self->options_.max_line_bytes);
        break;
      }
    }
    // stdout closed: the child is gone or going. Reap it (with escalation) and report.
    int status = co_await Reap(self);
    if (!self->closing_ && self->events_.on_closed) {
      self->events_.on_closed(
          Unavailable(self->Describe() + " exited with status " + std::to_string(status)));
    }
  }

  // Waits for the child to end, escalating to SIGTERM and SIGKILL after the grace periods.
  // Returns its exit status. There is no portable readiness event for a child's exit here,
  // so the reaper checks on a short timer while it waits.
  static Task<int> Reap(std::shared_ptr<StdioTransport> self) {
    if (self->reaped_) co_return self->exit_status_;
    auto deadline = std::chrono::steady_clock::now() + self->options_.shutdown_grace;
    int stage = 0;  // 0: waiting, 1: SIGTERM sent, 2: SIGKILL sent
    Timer timer(self->strand_);
    while (true) {
      if (self->reaped_) co_return self->exit_status_;  // the other waiter got it
      if (auto status = self->spawner_.TryReap(self->pid_)) {
        self->reaped_ = true;
        self->exit_status_ = *status;
        error_code ignored;
        self->out_.close(ignored);
        self->in_.close(ignored);
        co_return *status;
      }
      if (std::chrono::steady_clock::now() >= deadline && stage < 2) {
        ++stage;
        self->spawner_.Signal(self->pid_, /*force=*/stage == 2);
        deadline = std::chrono::steady_clock::now() + self->options_.shutdown_grace;
      }
      timer.expires_after(std::chrono::milliseconds(20));
      error_code ec;
      co_await timer.async_wait(asio::redirect_error(kUseTask, ec));
    }
  }

  static Task<void> Shutdown(std::shared_ptr<StdioTransport> self) {
    co_await Reap(self);
    GW_LOG_INFO("upstream '%s' (pid %d) stopped with status %d", self->Describe().c_str(),
                self->pid_, self->exit_status_);
  }

  Executor strand_;
  ProcessSpawner& spawner_;
  const StdioTransportOptions options_;
  TransportEvents events_;
  Pipe in_;
  Pipe out_;
  // Strand-confined state.
  std::deque<std::string> queue_;
  bool writing_ = false;
  bool closing_ = false;
  int pid_ = -1;
  bool reaped_ = false;
  int exit_status_ = -1;
};

}  // namespace

std::shared_ptr<UpstreamTransport> MakeStdioTransport(asio::io_context& io, ProcessSpawner& spawner,
                                                      StdioTransportOptions options) {
  return std::make_shared<StdioTransport>(io, spawner, std::move(options));
}

}  // namespace gw::transport
