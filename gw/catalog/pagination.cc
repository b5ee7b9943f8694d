// Cursor pagination shared by the local catalog and the federation.
#include <charconv>

#include "gw/catalog/catalog.h"
#include "gw/protocol/jsonrpc.h"

namespace gw::catalog {

std::string_view ListKey(ListKind kind) {
  switch (kind) {
    case ListKind::kTools:
      return "tools";
    case ListKind::kResources:
      return "resources";
    case ListKind::kResourceTemplates:
      return "resourceTemplates";
    case ListKind::kPrompts:
      return "prompts";
  }
  return "";
}

void ReplyPage(const CallPtr& call, const std::vector<std::string>& items, std::string_view key,
               size_t page_size) {
  size_t start = 0;
  if (auto cursor = protocol::StringMember(call->params(), "cursor")) {
    if (cursor->size() < 2 || (*cursor)[0] != 'o' ||
        std::from_chars(cursor->data() + 1, cursor->data() + cursor->size(), start).ec !=
            std::errc() ||
        start > items.size()) {
      return call->Fail(protocol::rpc::kInvalidParams,
                        "Invalid params: unknown pagination cursor '" + std::string(*cursor) + "'");
    }
  }
  if (page_size == 0) page_size = 1;
  protocol::JsonWriter w;
  w.StartObject().Key(key).StartArray();
  size_t end = std::min(items.size(), start + page_size);
  for (size_t i = start; i < end; ++i) w.Raw(items[i]);
  w.EndArray();
  if (end < items.size()) w.Field("nextCursor", "o" + std::to_string(end));
  w.EndObject();
  call->Reply(w.str());
}

}  // namespace gw::catalog
