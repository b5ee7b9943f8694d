// The core pack: tools every edgegw build serves, including wasm32 and constrained
// profiles, because they need nothing but a clock: `echo` (returns its text; for health
// checks and benchmarks) and `time_now` (UTC, Unix milliseconds, gateway uptime).
// Enabled by `catalog.packs` containing "core" (the default).
#pragma once

#include "gw/catalog/catalog.h"

namespace gw::catalog {

Status AddCorePack(Catalog& catalog);

}  // namespace gw::catalog
