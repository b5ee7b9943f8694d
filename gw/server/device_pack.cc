#include "gw/server/device_pack.h"

#include "gw/base/clock.h"
#include "gw/platform/system_info.h"

namespace gw::server {
namespace {

using protocol::JsonWriter;

// SystemInfo + process stats as one JSON object (also the tool's structuredContent).
Result<std::string> DeviceInfoJson(const std::string& version) {
  GW_ASSIGN_OR_RETURN(platform::SystemInfo s, platform::ReadSystemInfo());
  auto p = platform::ReadProcessStats();
  JsonWriter w;
  w.StartObject().Field("hostname", s.hostname).Field("os", s.os).Field("machine", s.machine);
  w.Field("cpu_count", s.cpu_count);
  w.Key("load_average")
      .StartArray()
      .Double(s.load_1m)
      .Double(s.load_5m)
      .Double(s.load_15m)
      .EndArray();
  w.Key("memory_total_bytes").Uint(s.memory_total_bytes);
  w.Key("memory_available_bytes").Uint(s.memory_available_bytes);
  w.Key("uptime_seconds").Uint(s.uptime_seconds);
  w.Key("gateway").StartObject().Field("version", version);
  w.Field("uptime_seconds", ProcessUptimeSeconds());
  if (p) w.Key("resident_bytes").Uint(p->resident_bytes);
  w.EndObject().EndObject();
  return w.str();
}

constexpr const char* kDeviceSchema =
    R"({"type":"object","properties":{"hostname":{"type":"string"},"os":{"type":"string"},)"
    R"("machine":{"type":"string"},"cpu_count":{"type":"integer"},"load_average":{"type":"array","items":{"type":"number"}},)"
    R"("memory_total_bytes":{"type":"integer"},"memory_available_bytes":{"type":"integer"},)"
    R"("uptime_seconds":{"type":"integer"},"gateway":{"type":"object"}},"required":["machine","cpu_count"]})";

}  // namespace

Status AddDevicePack(catalog::Catalog& catalog, const std::string& version) {
  GW_RETURN_IF_ERROR(catalog.AddTool(
      {"system_info", "System information",
       "Reports this device's hardware and load: CPU count and architecture, memory total and "
       "available, load average, uptime, and the gateway's version and memory use.",
       R"({"type":"object","properties":{},"additionalProperties":false})", kDeviceSchema,
       R"({"readOnlyHint":true,"idempotentHint":true,"openWorldHint":false})",
       [version](const catalog::CallPtr& call, const protocol::JsonValue&) {
         Result<std::string> info = DeviceInfoJson(version);
         if (!info) return call->Reply(catalog::ErrorToolResult(info.error().message()));
         call->Reply(catalog::StructuredToolResult(*info));
       }}));
  return catalog.AddResource({"edgegw://device/info", "device-info", "Device information",
                              "Hardware, load and memory of the device the gateway runs on (JSON).",
                              "application/json",
                              [version](std::string_view uri) -> Result<std::string> {
                                GW_ASSIGN_OR_RETURN(std::string info, DeviceInfoJson(version));
                                JsonWriter w;
                                w.StartArray()
                                    .StartObject()
                                    .Field("uri", uri)
                                    .Field("mimeType", "application/json")
                                    .Field("text", info)
                                    .EndObject()
                                    .EndArray();
                                return w.str();
                              }});
}

}  // namespace gw::server
