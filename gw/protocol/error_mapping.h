// The one place where gw::Code meets JSON-RPC error codes (STYLE.md §4).
// Thread-safety: pure functions.
#pragma once

#include "gw/base/result.h"

namespace gw::protocol {

// JSON-RPC error code for an Error raised while serving a request.
int RpcCodeFor(Code code);
// gw::Code for a JSON-RPC error code received from a peer.
Code CodeForRpc(int rpc_code);

}  // namespace gw::protocol
