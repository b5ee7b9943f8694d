#include "gw/catalog/core_pack.h"

#include "gw/base/clock.h"

namespace gw::catalog {

Status AddCorePack(Catalog& catalog) {
  GW_RETURN_IF_ERROR(catalog.AddTool(
      {"echo", "Echo",
       "Returns the given text unchanged. Useful to check that the gateway answers.",
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
       R"({"readOnlyHint":true,"openWorldHint":false})", [](const CallPtr& call, const JsonValue&) {
         int64_t now = RealClock().WallMillis();
         protocol::JsonWriter w;
         w.StartObject().Field("utc", Iso8601Utc(now)).Field("unix_ms", now);
         w.Field("gateway_uptime_seconds", ProcessUptimeSeconds());
         w.EndObject();
         call->Reply(StructuredToolResult(w.str()));
       }});
}

}  // namespace gw::catalog
