#include "gw/protocol/listing.h"

#include <algorithm>
#include <charconv>

#include "gw/protocol/jsonrpc.h"

namespace gw::protocol {

void ReplyPage(const CallPtr& call, const std::vector<std::string>& items, std::string_view key,
               size_t page_size) {
  size_t start = 0;
  if (auto cursor = StringMember(call->params(), "cursor")) {
    if (cursor->size() < 2 || (*cursor)[0] != 'o' ||
        std::from_chars(cursor->data() + 1, cursor->data() + cursor->size(), start).ec !=
            std::errc() ||
        start > items.size()) {
      return call->Fail(rpc::kInvalidParams,
                        "Invalid params: unknown pagination cursor '" + std::string(*cursor) + "'");
    }
  }
  if (page_size == 0) page_size = 1;
  JsonWriter w;
  w.StartObject().Key(key).StartArray();
  size_t end = std::min(items.size(), start + page_size);
  for (size_t i = start; i < end; ++i) w.Raw(items[i]);
  w.EndArray();
  if (end < items.size()) w.Field("nextCursor", "o" + std::to_string(end));
  w.EndObject();
  call->Reply(w.str());
}

bool MatchUriTemplate(std::string_view uri_template, std::string_view uri,
                      std::map<std::string, std::string>* vars) {
  vars->clear();
  size_t t = 0, u = 0;
  while (t < uri_template.size()) {
    if (uri_template[t] != '{') {
      if (u >= uri.size() || uri[u] != uri_template[t]) return false;
      ++t;
      ++u;
      continue;
    }
    size_t close = uri_template.find('}', t);
    if (close == std::string_view::npos) return false;
    std::string name(uri_template.substr(t + 1, close - t - 1));
    t = close + 1;
    // A variable runs to the next literal character of the template (or the end); it
    // never spans '/', as in RFC 6570 simple expansion of a path segment.
    char stop = t < uri_template.size() ? uri_template[t] : '\0';
    size_t end = u;
    while (end < uri.size() && uri[end] != stop && uri[end] != '/') ++end;
    if (end == u) return false;
    (*vars)[name] = std::string(uri.substr(u, end - u));
    u = end;
  }
  return u == uri.size();
}

}  // namespace gw::protocol
