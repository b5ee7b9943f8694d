// stdio client transport (MCP 2025-11-25 §Transports, stdio): runs the upstream server as a
// child process and speaks newline-delimited JSON over its stdin/stdout; the child's stderr
// goes to ours. When the child exits (or its stdout closes), on_closed reports the exit
// status; the owner starts a new one with backoff. Close() follows the spec's shutdown:
// close stdin, wait, SIGTERM, wait, SIGKILL, and always reaps the child.
//
// Threads: everything runs on one strand of the given io_context. Ownership: the spawner
// and io_context must outlive the transport.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>

#include "gw/base/process.h"
#include "gw/transport/client/upstream_transport.h"

namespace gw::transport {

struct StdioTransportOptions {
  ProcessSpec process;
  size_t max_line_bytes = 16 << 20;
  std::chrono::milliseconds shutdown_grace{2000};  // after closing stdin, and after SIGTERM
};

std::shared_ptr<UpstreamTransport> MakeStdioTransport(boost::asio::io_context& io,
                                                      ProcessSpawner& spawner,
                                                      StdioTransportOptions options);

}  // namespace gw::transport
