#include "gw/upstream/namespacing.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>

#include "gw/protocol/json.h"
#include "gw/protocol/listing.h"

namespace gw::upstream {
namespace {

using protocol::JsonDocument;
using protocol::JsonValue;

// Adds each item of one kind, renaming member `key` with `prefix`, unless the new name is
// taken. Returns nothing; fills `out`, `owners` and `clashes`.
void Merge(const std::vector<std::string>& items, std::string_view kind, std::string_view key,
           const std::string& prefix, size_t source, const std::vector<SourceItems>& sources,
           std::vector<std::string>& out, std::map<std::string, Owner, std::less<>>& owners,
           std::vector<std::string>& clashes) {
  for (const std::string& item : items) {
    auto doc = protocol::ParseJson(item);
    if (!doc || !doc->IsObject()) continue;
    auto original = protocol::StringMember(*doc, key);
    if (!original || original->empty()) continue;
    std::string name = prefix + std::string(*original);
    auto it = owners.find(name);
    if (it != owners.end()) {
      clashes.push_back(std::string(kind) + " '" + name + "' of '" + sources[source].name +
                        "' clashes with the one of '" + sources[it->second.source].name +
                        "', which is served");
      continue;
    }
    owners.emplace(name, Owner{source, std::string(*original)});
    if (prefix.empty()) {
      out.push_back(item);
      continue;
    }
    auto& alloc = doc->GetAllocator();
    doc->FindMember(rapidjson::StringRef(key.data(), key.size()))
        ->value.SetString(name.c_str(), static_cast<rapidjson::SizeType>(name.size()), alloc);
    out.push_back(protocol::Serialize(*doc));
  }
}

}  // namespace

FederatedView BuildView(const std::vector<SourceItems>& sources) {
  FederatedView v;
  for (size_t i = 0; i < sources.size(); ++i) {
    const SourceItems& s = sources[i];
    Merge(s.tools, "tool", "name", s.prefix, i, sources, v.tools, v.tool_owner, v.clashes);
    Merge(s.prompts, "prompt", "name", s.prefix, i, sources, v.prompts, v.prompt_owner, v.clashes);
    Merge(s.resources, "resource", "uri", s.uri_prefix, i, sources, v.resources, v.resource_owner,
          v.clashes);
    Merge(s.templates, "resource template", "uriTemplate", s.uri_prefix, i, sources, v.templates,
          v.template_owner, v.clashes);
    v.uri_prefixes.push_back(s.uri_prefix);
    if (s.uri_prefix.empty()) v.transparent_uri_sources.push_back(i);
  }
  return v;
}

std::optional<Owner> OwnerOfUri(const FederatedView& view, std::string_view uri) {
  std::optional<Owner> best;
  size_t best_len = 0;
  for (size_t i = 0; i < view.uri_prefixes.size(); ++i) {
    const std::string& p = view.uri_prefixes[i];
    if (!p.empty() && p.size() > best_len && uri.substr(0, p.size()) == p) {
      best = Owner{i, std::string(uri.substr(p.size()))};
      best_len = p.size();
    }
  }
  if (best) return best;
  if (auto it = view.resource_owner.find(uri); it != view.resource_owner.end()) return it->second;
  if (auto it = view.template_owner.find(uri); it != view.template_owner.end()) return it->second;
  std::map<std::string, std::string> vars;
  for (const auto& [uri_template, owner] : view.template_owner) {
    if (view.uri_prefixes[owner.source].empty() &&
        protocol::MatchUriTemplate(uri_template, uri, &vars)) {
      return Owner{owner.source, std::string(uri)};
    }
  }
  return std::nullopt;
}

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// `object` with its member `key` written as the string `value`.
void WriteWithMember(Writer& w, const JsonValue& object, std::string_view key,
                     std::string_view value) {
  w.StartObject();
  for (const auto& m : object.GetObject()) {
    w.Key(m.name.GetString(), m.name.GetStringLength());
    if (std::string_view(m.name.GetString(), m.name.GetStringLength()) == key) {
      WriteString(w, value);
    } else {
      m.value.Accept(w);
    }
  }
  w.EndObject();
}

// _meta with progressToken and traceparent set to ours where we have them.
void WriteMeta(Writer& w, const JsonValue* meta, std::string_view token,
               std::string_view traceparent) {
  w.StartObject();
  if (meta) {
    for (const auto& m : meta->GetObject()) {
      const std::string_view key(m.name.GetString(), m.name.GetStringLength());
      if ((key == "progressToken" && !token.empty()) ||
          (key == "traceparent" && !traceparent.empty()))
        continue;
      w.Key(m.name.GetString(), m.name.GetStringLength());
      m.value.Accept(w);
    }
  }
  if (!token.empty()) {
    w.Key("progressToken");
    WriteString(w, token);
  }
  if (!traceparent.empty()) {
    w.Key("traceparent");
    WriteString(w, traceparent);
  }
  w.EndObject();
}

}  // namespace

std::string ParamsForUpstream(const JsonValue& params, const ParamsEdit& edit,
                              std::string_view token, std::string_view traceparent) {
  rapidjson::StringBuffer out;
  Writer w(out);
  if (!params.IsObject()) {
    params.Accept(w);
    return std::string(out.GetString(), out.GetSize());
  }
  w.StartObject();
  for (const auto& m : params.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    w.Key(m.name.GetString(), m.name.GetStringLength());
    if (!edit.key.empty() && edit.object.empty() && key == edit.key) {
      WriteString(w, edit.value);
    } else if (!edit.key.empty() && !edit.object.empty() && key == edit.object &&
               m.value.IsObject()) {
      WriteWithMember(w, m.value, edit.key, edit.value);
    } else if (key == "_meta" && m.value.IsObject()) {
      WriteMeta(w, &m.value, token, traceparent);
    } else {
      m.value.Accept(w);
    }
  }
  if (!params.HasMember("_meta") && !traceparent.empty()) {
    w.Key("_meta");
    WriteMeta(w, nullptr, {}, traceparent);
  }
  w.EndObject();
  return std::string(out.GetString(), out.GetSize());
}

Status ValidateUpstreamName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 64 && std::isalpha(static_cast<unsigned char>(name[0]));
  for (char c : name) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.');
  }
  if (!ok) {
    return InvalidArgument("upstream name '" + std::string(name) +
                           "': use a letter, then letters, digits, '-' or '.' (at most 64)");
  }
  return OkStatus();
}

}  // namespace gw::upstream
