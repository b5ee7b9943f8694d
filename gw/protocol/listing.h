// MCP list and resource helpers shared by every server in the gateway (the local catalog, the
// federation): cursor pagination of */list answers and RFC 6570 resource templates.
//
// Thread-safety: pure functions (ReplyPage completes the call it is given).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gw/protocol/service.h"

namespace gw::protocol {

// Answers a */list `call` with the page of `items` (serialized objects) that its cursor
// names, under `key`, with nextCursor when more remain. Cursors are opaque to clients (ours
// are "o" + offset); an unknown one is -32602.
void ReplyPage(const CallPtr& call, const std::vector<std::string>& items, std::string_view key,
               size_t page_size);

// Matches `uri` against an RFC 6570 level-1 template ("a/{x}/b"); fills `vars` on success.
bool MatchUriTemplate(std::string_view uri_template, std::string_view uri,
                      std::map<std::string, std::string>* vars);

}  // namespace gw::protocol
