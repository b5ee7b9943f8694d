#include "gw/server/device_pack.h"

#include <ctime>

#include "gw/base/clock.h"
#include "gw/platform/system_info.h"

namespace gw::server {
namespace {

using protocol::JsonWriter;

const Clock::TimePoint kStarted = RealClock().Now();

// SystemInfo + process stats as one JSON object (also the tool's structuredContent).
Result<std::string> DeviceInfoJson(const std::string& version) {
  GW_ASSIGN_OR_RETURN(platform::SystemInfo s, platform::ReadSystemInfo());
  auto p = platform::ReadProcessStats();
  JsonWriter w;
  w.StartObject().Field("hostname", s.hostname).Field("os", s.os).Field("machine", s.machine);
  w.Field("cpu_count", s.cpu_count);
  w.Key("load_average").StartArray().Double(s.load_1m).Double(s.load_5m).Double(s.load_15m).EndArray();
  w.Key("memory_total_bytes").Uint(s.memory_total_bytes);
  w.Key("memory_available_bytes").Uint(s.memory_available_bytes);
  w.Key("uptime_seconds").Uint(s.uptime_seconds);
  w.Key("gateway").StartObject().Field("version", version);
  w.Key("uptime_seconds").Uint(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(RealClock().Now() - kStarted).count()));
  if (p) w.Key("resident_bytes").Uint(p->resident_bytes);
  w.EndObject().EndObject();
  return w.str();
}

std::string StructuredResult(const std::string& json) {
  JsonWriter w;
  w.StartObject().Key("content").StartArray();
  w.StartObject().Field("type", "text").Field("text", json).EndObject();
  w.EndArray().Key("structuredContent").Raw(json).EndObject();
  return w.str();
}

std::string Iso8601Utc(int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(unix_ms % 1000));
  return buf;
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
         call->Reply(StructuredResult(*info));
       }}));
  GW_RETURN_IF_ERROR(catalog.AddTool(
      {"time_now", "Current time",
       "Returns the device's current time: UTC in ISO 8601, Unix milliseconds, and seconds "
       "since the gateway started.",
       R"({"type":"object","properties":{},"additionalProperties":false})",
       R"({"type":"object","properties":{"utc":{"type":"string"},"unix_ms":{"type":"integer"},"gateway_uptime_seconds":{"type":"number"}},"required":["utc","unix_ms"]})",
       R"({"readOnlyHint":true,"openWorldHint":false})",
       [](const catalog::CallPtr& call, const protocol::JsonValue&) {
         int64_t now = RealClock().WallMillis();
         JsonWriter w;
         w.StartObject().Field("utc", Iso8601Utc(now)).Field("unix_ms", now);
         w.Field("gateway_uptime_seconds",
                 std::chrono::duration<double>(RealClock().Now() - kStarted).count());
         w.EndObject();
         call->Reply(StructuredResult(w.str()));
       }}));
  GW_RETURN_IF_ERROR(catalog.AddTool(
      {"echo", "Echo", "Returns the given text unchanged. Useful to check that the gateway answers.",
       R"({"type":"object","properties":{"text":{"type":"string","description":"Text to return"}},"required":["text"],"additionalProperties":false})",
       "", R"({"readOnlyHint":true,"idempotentHint":true,"openWorldHint":false})",
       [](const catalog::CallPtr& call, const protocol::JsonValue& args) {
         call->Reply(catalog::TextToolResult(*protocol::StringMember(args, "text")));
       }}));
  return catalog.AddResource(
      {"edgegw://device/info", "device-info", "Device information",
       "Hardware, load and memory of the device the gateway runs on (JSON).", "application/json",
       [version](std::string_view uri) -> Result<std::string> {
         GW_ASSIGN_OR_RETURN(std::string info, DeviceInfoJson(version));
         JsonWriter w;
         w.StartArray().StartObject().Field("uri", uri).Field("mimeType", "application/json")
             .Field("text", info).EndObject().EndArray();
         return w.str();
       }});
}

}  // namespace gw::server
