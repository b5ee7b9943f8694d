// The conformance pack: the tools, resources and prompts that the server scenarios of
// @modelcontextprotocol/conformance expect (names and contents as the suite checks them).
// Enabled by `catalog.packs = ["conformance"]` (config/conformance.toml); off by default.
// Test-only: the `conformance_pack` target exists when GW_CONFORMANCE_PACK is on (builds with
// tests; not the release build), and the gateway links it only then.
#pragma once

#include "gw/catalog/catalog.h"

namespace gw::catalog {

// Registers every fixture. kAlreadyExists if a name is taken.
Status AddConformancePack(Catalog& catalog);

}  // namespace gw::catalog
