// The platform's ProcessSpawner (see gw/base/process.h). On Linux children get
// PR_SET_PDEATHSIG(SIGTERM), so they do not outlive a gateway that is killed.
// Thread-safety: the returned object is thread-safe and lives forever.
#pragma once

#include "gw/base/process.h"

namespace gw::platform {

ProcessSpawner& SystemProcessSpawner();

}  // namespace gw::platform
