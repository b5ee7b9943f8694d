// Config: [[upstream]] tables and the --upstream flag.
#include <set>

#include "gw/server/config.h"
#include "gw/server/internal/config_reader.h"
#include "gw/transport/client/url.h"
#include "gw/upstream/namespacing.h"

namespace gw::server {

Status FinishUpstream(UpstreamConfig& u, bool explicit_prefix, bool explicit_uri_prefix,
                      const std::string& where) {
  if (Status s = upstream::ValidateUpstreamName(u.name); !s) {
    return InvalidArgument(where + ": " + s.error().message());
  }
  if (u.url.empty() == u.command.empty()) {
    return InvalidArgument(where +
                           ": give exactly one of url (Streamable HTTP) or command (stdio)");
  }
  if (!u.url.empty()) {
    if (auto url = transport::ParseUrl(u.url); !url)
      return InvalidArgument(where + ": url: " + url.error().message());
  }
  if (!explicit_prefix) u.prefix = u.name + "__";
  if (!explicit_uri_prefix) u.uri_prefix = u.prefix.empty() ? "" : u.name + "+";
  if (!u.bearer_token.empty() && !u.bearer_token_env.empty()) {
    return InvalidArgument(where + ": give bearer_token or bearer_token_env, not both");
  }
  return OkStatus();
}

Result<UpstreamConfig> ParseUpstreamFlag(std::string_view text, int index) {
  UpstreamConfig u;
  std::string_view target = text;
  size_t eq = text.find('=');
  size_t scheme = text.find(':');
  bool named = eq != std::string_view::npos && (scheme == std::string_view::npos || eq < scheme);
  if (named) {
    u.name = std::string(text.substr(0, eq));
    target = text.substr(eq + 1);
  } else {
    u.name = "upstream" + std::to_string(index);
  }
  if (target.substr(0, 6) == "stdio:") {
    std::string_view rest = target.substr(6);
    size_t start = 0;
    while (start < rest.size()) {
      size_t end = rest.find(' ', start);
      if (end == std::string_view::npos) end = rest.size();
      if (end > start) u.command.emplace_back(rest.substr(start, end - start));
      start = end + 1;
    }
    if (u.command.empty())
      return InvalidArgument("--upstream '" + std::string(text) + "': stdio: needs a command");
  } else {
    u.url = std::string(target);
  }
  GW_RETURN_IF_ERROR(FinishUpstream(u, /*explicit_prefix=*/!named, /*explicit_uri_prefix=*/!named,
                                    "--upstream '" + std::string(text) + "'"));
  return u;
}

namespace internal {

TableReader UpstreamFields(UpstreamConfig& u, std::string_view source) {
  return {source,
          "upstream.",
          {{"name", String(&u.name)},
           {"url", String(&u.url)},
           {"command", StringList(&u.command)},
           {"env", StringMap(&u.env)},
           {"cwd", String(&u.cwd)},
           {"prefix", String(&u.prefix)},
           {"uri_prefix", String(&u.uri_prefix)},
           {"headers", StringMap(&u.headers)},
           {"bearer_token", String(&u.bearer_token)},
           {"bearer_token_env", String(&u.bearer_token_env)},
           {"ca_file", String(&u.ca_file)},
           {"tls_verify", Bool(&u.tls_verify)},
           {"timeout_seconds", Integer(&u.timeout_seconds, 1, 86400)},
           {"connect_timeout_seconds", Integer(&u.connect_timeout_seconds, 1, 600)},
           {"ping_interval_seconds", Integer(&u.ping_interval_seconds, 0, 86400)},
           {"idempotent_tools", StringList(&u.idempotent_tools)},
           {"retry_max_attempts", Integer(&u.retry_max_attempts, 1, 20)},
           {"retry_base_delay_ms", Integer(&u.retry_base_delay_ms, 1, 600000)},
           {"retry_max_delay_ms", Integer(&u.retry_max_delay_ms, 1, 600000)},
           {"breaker_window", Integer(&u.breaker_window, 1, 10000)},
           {"breaker_min_calls", Integer(&u.breaker_min_calls, 1, 10000)},
           {"breaker_failure_ratio", Double(&u.breaker_failure_ratio, 0.01, 1.0)},
           {"breaker_cool_down_seconds", Integer(&u.breaker_cool_down_seconds, 1, 86400)}}};
}

Status ReadUpstreams(const toml::node& node, std::string_view source,
                     std::vector<UpstreamConfig>* out) {
  const toml::array* array = node.as_array();
  if (!array || !array->is_array_of_tables()) {
    return InvalidArgument(Where(source, node) + ": upstream: expected [[upstream]] tables");
  }
  std::set<std::string> names;
  for (const toml::node& item : *array) {
    const toml::table& t = *item.as_table();
    UpstreamConfig u;
    TableReader r = UpstreamFields(u, source);
    GW_RETURN_IF_ERROR(r.Read(t));
    std::string where = Where(source, item) + ": upstream '" + u.name + "'";
    GW_RETURN_IF_ERROR(FinishUpstream(u, t.contains("prefix"), t.contains("uri_prefix"), where));
    if (!names.insert(u.name).second) return InvalidArgument(where + ": the name is used twice");
    out->push_back(std::move(u));
  }
  return OkStatus();
}

}  // namespace internal
}  // namespace gw::server
