// `edgegw client`: a small MCP client on the gateway's own upstream stack (the same
// transports, session and SSE resumption that federation uses). It connects, initializes,
// sends one request and prints the result as one line of JSON on stdout. It answers server
// requests as a headless client would: elicitation with the schema's defaults (SEP-1034),
// roots with an empty list, sampling with an error (no model to ask).
//
// `--conformance` runs what the MCP conformance suite's client scenarios ask for
// (MCP_CONFORMANCE_SCENARIO), so the suite can drive this client.
//
// Thread-safety: RunClient owns its threads and returns after they stopped.
#pragma once

#include <string>

namespace gw::server {

struct ClientFlags {
  std::string target;  // http(s)://... or "stdio:COMMAND ARGS"
  std::string method;  // e.g. "tools/list"; empty with --conformance
  std::string params = "{}";
  int timeout_seconds = 60;
  bool conformance = false;
};

// Returns the process exit code: 0 on a result, 1 on a JSON-RPC error or failure (the
// reason is printed on stderr), 2 for bad flags.
int RunClient(const ClientFlags& flags);

}  // namespace gw::server
