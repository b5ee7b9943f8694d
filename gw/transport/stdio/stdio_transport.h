// MCP over stdio (MCP 2025-11-25 §Transports, stdio): one session; each message is one line
// of JSON on stdin, each answer one line on stdout. Nothing else may be written to stdout,
// so logging goes to stderr.
//
// Threads: the calling thread reads; answers are written by whichever thread completes a
// call, under a lock, so lines never interleave.
#pragma once

#include "gw/base/result.h"
#include "gw/protocol/server_session.h"
#include "gw/protocol/service.h"
#include "gw/transport/transport_metrics.h"

namespace gw::transport {

struct StdioOptions {
  size_t max_line_bytes = 4 << 20;   // longer lines are refused with -32600 and skipped
  protocol::SessionOptions session;  // client request timeout, checked every 5 s
};

// Serves one MCP session until `in_fd` reaches end of file, then closes the session (calls
// in flight are cancelled). Both descriptors may be non-blocking. Returns kDataLoss if reading
// fails for another reason.
Status ServeStdio(int in_fd, int out_fd, protocol::Service& service, TransportMetrics* metrics,
                  const StdioOptions& options);

}  // namespace gw::transport
