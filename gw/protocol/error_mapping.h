// The one place where gw::Code meets JSON-RPC error codes (STYLE.md §4).
// Thread-safety: pure functions.
#pragma once

#include "gw/base/result.h"

namespace gw::protocol {

// JSON-RPC error code for an Error raised while serving a request.
int RpcCodeFor(Code code);

}  // namespace gw::protocol
