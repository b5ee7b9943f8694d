// Fuzz target: the TOML configuration loader. A config file is input the gateway must
// validate, not trust: for any text, ParseConfig either gives a Config or a clear
// kInvalidArgument, never a crash, and gives the same answer twice.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gw/base/check.h"
#include "gw/server/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto first = gw::server::ParseConfig(text, "fuzz.toml");
  auto second = gw::server::ParseConfig(text, "fuzz.toml");
  GW_CHECK(first.has_value() == second.has_value());
  if (!first) {
    GW_CHECK(first.error().code() == gw::Code::kInvalidArgument);
    GW_CHECK(!first.error().message().empty());
    GW_CHECK(first.error().message() == second.error().message());
  }
  return 0;
}
