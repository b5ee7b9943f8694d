// Helpers for reading TOML tables key by key with errors that name file, line and key.
// Private to gw/server. Thread-safety: pure functions and value types.
#pragma once

#include <toml++/toml.h>

#include <charconv>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gw/base/result.h"

namespace gw::server::internal {

inline std::string Where(std::string_view source, const toml::node& node) {
  return std::string(source) + ":" + std::to_string(node.source().begin.line);
}

// One key of a table: how to read it, and how to show its current value as TOML writes it
// (what ConfigDefaults reports for a fresh Config).
struct Field {
  std::function<Status(const toml::node&, const std::string& where)> set;
  std::function<std::string()> show;
};

// Reads one table's keys with per-key fields; unknown keys are errors.
struct TableReader {
  std::string_view source;
  std::string prefix;  // "http."
  std::map<std::string, Field> fields;

  Status Read(const toml::table& table) const {
    for (const auto& [key, node] : table) {
      std::string name = prefix + std::string(key.str());
      auto it = fields.find(std::string(key.str()));
      std::string where = Where(source, node) + ": " + name;
      if (it == fields.end())
        return InvalidArgument(where + ": unknown key (see docs/configuration.md)");
      GW_RETURN_IF_ERROR(it->second.set(node, where));
    }
    return OkStatus();
  }
  // Each key with its value now, "http.path" -> "\"/mcp\"".
  void Show(std::vector<std::pair<std::string, std::string>>& out) const {
    for (const auto& [key, field] : fields) out.emplace_back(prefix + key, field.show());
  }
};

inline std::string TomlString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

inline Field String(std::string* out) {
  return {[out](const toml::node& n, const std::string& where) -> Status {
            auto v = n.value<std::string>();
            if (!n.is_string() || !v) return InvalidArgument(where + ": expected a string");
            *out = *v;
            return OkStatus();
          },
          [out] { return TomlString(*out); }};
}

inline Field Bool(bool* out) {
  return {[out](const toml::node& n, const std::string& where) -> Status {
            if (!n.is_boolean()) return InvalidArgument(where + ": expected true or false");
            *out = *n.value<bool>();
            return OkStatus();
          },
          [out] { return std::string(*out ? "true" : "false"); }};
}

template <class T>
Field Integer(T* out, int64_t min, int64_t max) {
  return {[out, min, max](const toml::node& n, const std::string& where) -> Status {
            if (!n.is_integer()) return InvalidArgument(where + ": expected an integer");
            int64_t v = *n.value<int64_t>();
            if (v < min || v > max) {
              return InvalidArgument(where + ": must be between " + std::to_string(min) + " and " +
                                     std::to_string(max) + " (got " + std::to_string(v) + ")");
            }
            *out = static_cast<T>(v);
            return OkStatus();
          },
          [out] { return std::to_string(*out); }};
}

inline Field StringList(std::vector<std::string>* out) {
  return {[out](const toml::node& n, const std::string& where) -> Status {
            const toml::array* array = n.as_array();
            if (!array) return InvalidArgument(where + ": expected an array of strings");
            out->clear();
            for (const toml::node& item : *array) {
              if (!item.is_string())
                return InvalidArgument(where + ": expected an array of strings");
              out->push_back(*item.value<std::string>());
            }
            return OkStatus();
          },
          [out] {
            std::string text = "[";
            for (size_t i = 0; i < out->size(); ++i)
              text += (i ? ", " : "") + TomlString((*out)[i]);
            return text + "]";
          }};
}

inline Field Double(double* out, double min, double max) {
  return {[out, min, max](const toml::node& n, const std::string& where) -> Status {
            if (!n.is_number()) return InvalidArgument(where + ": expected a number");
            double v = *n.value<double>();
            if (!(v >= min && v <= max)) {
              return InvalidArgument(where + ": must be between " + std::to_string(min) + " and " +
                                     std::to_string(max));
            }
            *out = v;
            return OkStatus();
          },
          [out] {
            char text[32];
            auto end = std::to_chars(text, text + sizeof text, *out).ptr;  // shortest form
            return std::string(text, end);
          }};
}

// An inline table of string values: { KEY = "value", ... }.
inline Field StringMap(std::map<std::string, std::string>* out) {
  return {
      [out](const toml::node& n, const std::string& where) -> Status {
        const toml::table* table = n.as_table();
        if (!table) {
          return InvalidArgument(where + ": expected a table of strings, e.g. { KEY = \"value\" }");
        }
        out->clear();
        for (const auto& [key, value] : *table) {
          if (!value.is_string()) {
            return InvalidArgument(where + "." + std::string(key.str()) + ": expected a string");
          }
          (*out)[std::string(key.str())] = *value.value<std::string>();
        }
        return OkStatus();
      },
      [out] {
        std::string text = "{";
        for (const auto& [key, value] : *out)
          text += (text.size() > 1 ? ", " : " ") + key + " = " + TomlString(value);
        return text + (out->empty() ? "}" : " }");
      }};
}

}  // namespace gw::server::internal

namespace gw::server {
struct UpstreamConfig;
namespace internal {
// Reads the [[upstream]] array of tables (config_upstream.cc).
Status ReadUpstreams(const toml::node& node, std::string_view source,
                     std::vector<UpstreamConfig>* out);
// The keys of one [[upstream]] table, read into `u` (config_upstream.cc).
TableReader UpstreamFields(UpstreamConfig& u, std::string_view source);
// The keys of one [[route]] table, read into `r`.
template <class RouteConfig>
TableReader RouteFields(RouteConfig& r, std::string_view source) {
  return {source,
          "route.",
          {{"tool", String(&r.tool)},
           {"prefix", String(&r.prefix)},
           {"chain", StringList(&r.chain)},
           {"queueable", Bool(&r.queueable)},
           {"priority", String(&r.priority)},
           {"ttl_seconds", Integer(&r.ttl_seconds, 0, int64_t{365} * 86400)}}};
}
// Reads the [[route]] array of tables (config_upstream.cc). Targets are checked against
// the upstreams when the gateway is built (they may come from --upstream).
template <class RouteConfig>
Status ReadRoutes(const toml::node& node, std::string_view source, std::vector<RouteConfig>* out) {
  const toml::array* array = node.as_array();
  if (!array || !array->is_array_of_tables()) {
    return InvalidArgument(Where(source, node) + ": route: expected [[route]] tables");
  }
  for (const toml::node& item : *array) {
    RouteConfig r;
    TableReader reader = RouteFields(r, source);
    GW_RETURN_IF_ERROR(reader.Read(*item.as_table()));
    if (r.tool.empty() == r.prefix.empty()) {
      return InvalidArgument(Where(source, item) + ": route: give exactly one of tool or prefix");
    }
    if (r.chain.empty()) {
      return InvalidArgument(Where(source, item) +
                             ": route: chain is empty; e.g. chain = [\"local\", \"cloud\"]");
    }
    if (r.priority != "high" && r.priority != "normal" && r.priority != "low") {
      return InvalidArgument(Where(source, item) +
                             ": route.priority: expected high, normal or low");
    }
    out->push_back(std::move(r));
  }
  return OkStatus();
}
}  // namespace internal
}  // namespace gw::server
