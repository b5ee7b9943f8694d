#include "gw/protocol/error_mapping.h"

#include "gw/protocol/jsonrpc.h"

namespace gw::protocol {

int RpcCodeFor(Code code) {
  switch (code) {
    case Code::kInvalidArgument:
      return rpc::kInvalidParams;
    case Code::kNotFound:
      return rpc::kInvalidParams;  // unknown tool/prompt: MCP uses -32602
    case Code::kUnimplemented:
      return rpc::kMethodNotFound;
    case Code::kFailedPrecondition:
      return rpc::kInvalidRequest;
    case Code::kCancelled:
      return rpc::kRequestCancelled;
    case Code::kUnavailable:
    case Code::kAborted:
    case Code::kDeadlineExceeded:
    case Code::kResourceExhausted:
    case Code::kPermissionDenied:
    case Code::kUnauthenticated:
      return rpc::kServerUnavailable;
    default:
      return rpc::kInternalError;
  }
}

}  // namespace gw::protocol
