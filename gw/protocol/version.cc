#include "gw/protocol/version.h"

#include <array>

namespace gw::protocol {
namespace {
constexpr std::array<std::string_view, 3> kVersions = {kProtocol2025_11_25, kProtocol2025_06_18,
                                                       kProtocol2025_03_26};
}  // namespace

std::span<const std::string_view> SupportedProtocolVersions() { return kVersions; }

bool IsSupportedProtocolVersion(std::string_view version) {
  for (std::string_view v : kVersions) {
    if (v == version) return true;
  }
  return false;
}

std::string_view NegotiateProtocolVersion(std::string_view requested) {
  return IsSupportedProtocolVersion(requested) ? requested : kLatestProtocolVersion;
}

}  // namespace gw::protocol
