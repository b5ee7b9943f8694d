// The device pack: local tools and resources that make sense on any edge device and need
// no network: `system_info` (CPU, memory, load, uptime), `time_now` (wall clock and
// monotonic time), `echo` (a trivial tool for health checks and benchmarks), and the
// resource `edgegw://device/info`. Enabled by default (`catalog.packs = ["device"]`).
#pragma once

#include <string>

#include "gw/catalog/catalog.h"

namespace gw::server {

Status AddDevicePack(catalog::Catalog& catalog, const std::string& gateway_version);

}  // namespace gw::server
