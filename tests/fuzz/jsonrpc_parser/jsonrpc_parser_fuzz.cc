// Fuzz target: protocol::ParseMessage must classify any bytes as a message or an RpcFailure
// without crashing, and a parsed message must serialize back to parseable JSON.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gw/base/check.h"
#include "gw/protocol/jsonrpc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto message = gw::protocol::ParseMessage(text);
  if (message) {
    GW_CHECK(!message->id().empty());
    std::string again = gw::protocol::Serialize(message->document());
    GW_CHECK(gw::protocol::ParseMessage(again).has_value());
  } else {
    GW_CHECK(message.error().code == gw::protocol::rpc::kParseError ||
             message.error().code == gw::protocol::rpc::kInvalidRequest);
  }
  return 0;
}
