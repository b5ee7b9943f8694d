// The device pack: what a gateway can tell about the device it runs on, read through
// gw/platform: the tool `system_info` (CPU, memory, load, uptime, gateway memory) and the
// resource `edgegw://device/info`. Enabled by default (`catalog.packs` has "device").
#pragma once

#include <string>

#include "gw/catalog/catalog.h"

namespace gw::server {

Status AddDevicePack(catalog::Catalog& catalog, const std::string& gateway_version);

}  // namespace gw::server
