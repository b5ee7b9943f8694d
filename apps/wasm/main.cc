// edgegw for wasm32-wasi: one MCP session over stdin/stdout with the portable core pack
// (echo, time_now), or `generate` with the local engine (generate_command.cc). Runs under any
// WASI host; tools/wasi/run-wasi.mjs runs it under Node.
// Configuration comes from the host later (toml++ does not build for wasm32).
#include <cstdio>
#include <cstring>

#include "apps/wasm/generate_command.h"
#include "gw/base/version.h"
#include "gw/catalog/catalog.h"
#include "gw/catalog/core_pack.h"
#include "gw/transport/stdio/stdio_transport.h"

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "generate") == 0) return RunWasmGenerate(argc, argv);
  gw::catalog::CatalogOptions options;
  options.info.name = "edgegw-wasm";
  options.info.title = "edgegw (wasm32-wasi)";
  options.info.version = std::string(gw::kVersion);
  gw::catalog::Catalog catalog(options);
  if (gw::Status s = gw::catalog::AddCorePack(catalog); !s) {
    std::fprintf(stderr, "edgegw-wasm: %s\n", s.error().ToString().c_str());
    return 1;
  }
  gw::Status served = gw::transport::ServeStdio(0, 1, catalog, nullptr, {});
  if (!served) {
    std::fprintf(stderr, "edgegw-wasm: %s\n", served.error().ToString().c_str());
    return 1;
  }
  return 0;
}
