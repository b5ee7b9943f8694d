// Gateway: the composition root. Builds the object graph from a Config (metrics, catalog and
// its packs, transports) and runs it. The only place that names concrete platform types.
//
// Ownership: owns everything it builds. Thread-safety: Start/ServeStdio/Stop/Wait are
// called from the main thread; Stop may also be called from a signal-watching thread.
#pragma once

#include <memory>
#include <string>

#include "gw/base/result.h"
#include "gw/server/config.h"

namespace gw::server {

// The version printed by `edgegw version` and announced in serverInfo.
const std::string& GatewayVersion();

class Gateway {
 public:
  static Result<std::unique_ptr<Gateway>> Create(const Config& config);
  virtual ~Gateway() = default;

  // Starts the HTTP listener (when enabled). kUnavailable if the port is taken.
  virtual Status StartHttp() = 0;
  // The bound HTTP port, or 0 when HTTP is off.
  virtual uint16_t http_port() const = 0;
  // Serves MCP on stdin/stdout until stdin closes.
  virtual Status ServeStdio() = 0;
  virtual void Stop() = 0;
  // Blocks until the HTTP server has stopped.
  virtual void Wait() = 0;
};

}  // namespace gw::server
