#include "gw/catalog/core_pack.h"

#include <cstdio>
#include <ctime>

#include "gw/base/clock.h"

namespace gw::catalog {

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

Status AddCorePack(Catalog& catalog) {
  GW_RETURN_IF_ERROR(catalog.AddTool(
      {"echo", "Echo", "Returns the given text unchanged. Useful to check that the gateway answers.",
       R"({"type":"object","properties":{"text":{"type":"string","description":"Text to return"}},"required":["text"],"additionalProperties":false})",
       "", R"({"readOnlyHint":true,"idempotentHint":true,"openWorldHint":false})",
       [](const CallPtr& call, const JsonValue& args) {
         call->Reply(TextToolResult(*protocol::StringMember(args, "text")));
       }}));
  return catalog.AddTool(
      {"time_now", "Current time",
       "Returns the device's current time: UTC in ISO 8601, Unix milliseconds, and seconds "
       "since the gateway started.",
       R"({"type":"object","properties":{},"additionalProperties":false})",
       R"({"type":"object","properties":{"utc":{"type":"string"},"unix_ms":{"type":"integer"},"gateway_uptime_seconds":{"type":"number"}},"required":["utc","unix_ms"]})",
       R"({"readOnlyHint":true,"openWorldHint":false})",
       [](const CallPtr& call, const JsonValue&) {
         int64_t now = RealClock().WallMillis();
         protocol::JsonWriter w;
         w.StartObject().Field("utc", Iso8601Utc(now)).Field("unix_ms", now);
         w.Field("gateway_uptime_seconds", ProcessUptimeSeconds());
         w.EndObject();
         call->Reply(StructuredToolResult(w.str()));
       }});
}

}  // namespace gw::catalog
