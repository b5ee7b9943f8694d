// Fixture for tools/check_layering's own test: protocol may not include transport.
#pragma once
#include "gw/transport/http/http_server.h"
