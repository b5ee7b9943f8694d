// What an upstream offered, saved as JSON so that a gateway that restarts while offline
// still lists (and queues calls for) the upstream tools it has seen before. The gateway
// keeps one file per upstream under <data_dir>/upstreams/.
//
// Decoding treats the file as untrusted: anything that is not the expected shape is an
// error, never a crash. Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "gw/base/result.h"
#include "gw/upstream/upstream.h"

namespace gw::upstream {

std::string EncodeListing(const UpstreamListing& listing, int64_t saved_ms);
// kDataLoss with the reason for anything but a listing this version wrote.
Result<UpstreamListing> DecodeListing(std::string_view json);

}  // namespace gw::upstream
