// Fuzz target: a ServerSession with the conformance catalog fed one message per input line.
// Whatever arrives, the session must answer without crashing, and every reply it sends must
// be valid JSON. Server-to-client requests are left unanswered (the session closes them).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "gw/base/check.h"
#include "gw/catalog/catalog.h"
#include "gw/catalog/core_pack.h"
#include "gw/protocol/server_session.h"
#include "gw/testing/conformance_pack.h"

namespace {

class CheckingOutbox : public gw::protocol::Outbox {
 public:
  void Send(std::string message, std::string_view, bool) override {
    if (!message.empty()) GW_CHECK(gw::protocol::ParseJson(message).has_value());
  }
};

gw::catalog::Catalog& SharedCatalog() {
  static gw::catalog::Catalog* catalog = [] {
    auto* c = new gw::catalog::Catalog(gw::catalog::CatalogOptions{});
    GW_CHECK(gw::catalog::AddCorePack(*c).has_value());
    GW_CHECK(gw::catalog::AddConformancePack(*c).has_value());
    return c;
  }();
  return *catalog;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  gw::protocol::ServerSession session("fuzz", SharedCatalog(), std::make_shared<CheckingOutbox>());
  while (!input.empty()) {
    size_t nl = input.find('\n');
    session.ReceiveText(input.substr(0, nl));
    if (nl == std::string_view::npos) break;
    input.remove_prefix(nl + 1);
  }
  return 0;
}
