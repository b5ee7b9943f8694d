#include "gw/upstream/listing_codec.h"

#include "gw/protocol/json.h"

namespace gw::upstream {

using protocol::JsonWriter;

namespace {

constexpr int kVersion = 1;

void WriteItems(JsonWriter& w, std::string_view key, const std::vector<std::string>& items) {
  w.Key(key).StartArray();
  for (const std::string& item : items) w.Raw(item);
  w.EndArray();
}

Status ReadItems(const protocol::JsonValue& doc, std::string_view key,
                 std::vector<std::string>* out) {
  const protocol::JsonValue* items = protocol::ArrayMember(doc, key);
  if (!items) return Error(Code::kDataLoss, "saved listing: no '" + std::string(key) + "' array");
  for (const auto& item : items->GetArray()) {
    if (!item.IsObject())
      return Error(Code::kDataLoss,
                   "saved listing: an item of '" + std::string(key) + "' is not an object");
    out->push_back(protocol::Serialize(item));
  }
  return OkStatus();
}

}  // namespace

std::string EncodeListing(const UpstreamListing& l, int64_t saved_ms) {
  JsonWriter w;
  w.StartObject().Field("version", kVersion).Field("saved_ms", saved_ms);
  w.Field("server_name", l.server_name).Field("server_version", l.server_version);
  w.Key("capabilities").Raw(l.capabilities.empty() ? "{}" : l.capabilities);
  WriteItems(w, "tools", l.tools);
  WriteItems(w, "resources", l.resources);
  WriteItems(w, "templates", l.templates);
  WriteItems(w, "prompts", l.prompts);
  w.EndObject();
  return w.str();
}

Result<UpstreamListing> DecodeListing(std::string_view json) {
  auto doc = protocol::ParseJson(json);
  if (!doc || !doc->IsObject()) return Error(Code::kDataLoss, "saved listing: not a JSON object");
  if (protocol::IntMember(*doc, "version") != kVersion)
    return Error(Code::kDataLoss, "saved listing: unknown version");
  UpstreamListing l;
  l.server_name = std::string(protocol::StringMember(*doc, "server_name").value_or(""));
  l.server_version = std::string(protocol::StringMember(*doc, "server_version").value_or(""));
  const protocol::JsonValue* caps = protocol::ObjectMember(*doc, "capabilities");
  if (!caps) return Error(Code::kDataLoss, "saved listing: no capabilities object");
  l.capabilities = protocol::Serialize(*caps);
  GW_RETURN_IF_ERROR(ReadItems(*doc, "tools", &l.tools));
  GW_RETURN_IF_ERROR(ReadItems(*doc, "resources", &l.resources));
  GW_RETURN_IF_ERROR(ReadItems(*doc, "templates", &l.templates));
  GW_RETURN_IF_ERROR(ReadItems(*doc, "prompts", &l.prompts));
  return l;
}

}  // namespace gw::upstream
