#include "gw/testing/conformance_pack.h"

#include <utility>

#include "gw/protocol/jsonrpc.h"

namespace gw::catalog {
namespace {

using protocol::JsonWriter;

// A 1x1 PNG and a minimal WAV file, base64-encoded.
constexpr std::string_view kPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg"
    "==";
constexpr std::string_view kWav = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";
constexpr std::string_view kNoArgs = R"({"type":"object","properties":{}})";

std::string ContentResult(const std::function<void(JsonWriter&)>& items) {
  JsonWriter w;
  w.StartObject().Key("content").StartArray();
  items(w);
  w.EndArray().EndObject();
  return w.str();
}

void Image(JsonWriter& w) {
  w.StartObject()
      .Field("type", "image")
      .Field("data", kPng)
      .Field("mimeType", "image/png")
      .EndObject();
}

void EmbeddedText(JsonWriter& w, std::string_view uri, std::string_view mime,
                  std::string_view text) {
  w.StartObject().Field("type", "resource").Key("resource").StartObject();
  w.Field("uri", uri).Field("mimeType", mime).Field("text", text).EndObject().EndObject();
}

std::string JsonString(std::string_view s) {
  JsonWriter w;
  w.String(s);
  return w.str();
}

// Asks the client through elicitation/create and reports what it answered.
void Elicit(const CallPtr& call, const std::string& params, const std::string& prefix) {
  if (!call->client().supports_elicitation) {
    return call->Reply(ErrorToolResult("The client does not support elicitation"));
  }
  call->Request("elicitation/create", params, [call, prefix](Result<protocol::Message> r) {
    if (!r) return call->Reply(ErrorToolResult("Elicitation failed: " + r.error().message()));
    if (r->kind() == protocol::MessageKind::kError) {
      return call->Reply(
          ErrorToolResult("Elicitation refused: " + protocol::Serialize(r->error())));
    }
    const protocol::JsonValue& result = r->result();
    std::string action(protocol::StringMember(result, "action").value_or("unknown"));
    const protocol::JsonValue* content = protocol::Member(result, "content");
    call->Reply(TextToolResult(prefix + "action=" + action +
                               ", content=" + (content ? protocol::Serialize(*content) : "{}")));
  });
}

Status AddTools(Catalog& c) {
  auto simple = [&](std::string name, std::string description, const std::string& result) {
    return c.AddTool(
        {std::move(name), "", std::move(description), std::string(kNoArgs), "", "",
         [result](const CallPtr& call, const protocol::JsonValue&) { call->Reply(result); }});
  };
  GW_RETURN_IF_ERROR(simple("test_simple_text", "Tests simple text content response",
                            TextToolResult("This is a simple text response for testing.")));
  GW_RETURN_IF_ERROR(simple("test_image_content", "Tests image content response",
                            ContentResult([](JsonWriter& w) { Image(w); })));
  GW_RETURN_IF_ERROR(
      simple("test_audio_content", "Tests audio content response", ContentResult([](JsonWriter& w) {
               w.StartObject()
                   .Field("type", "audio")
                   .Field("data", kWav)
                   .Field("mimeType", "audio/wav")
                   .EndObject();
             })));
  GW_RETURN_IF_ERROR(simple("test_embedded_resource", "Tests embedded resource content response",
                            ContentResult([](JsonWriter& w) {
                              EmbeddedText(w, "test://embedded-resource", "text/plain",
                                           "This is an embedded resource content.");
                            })));
  GW_RETURN_IF_ERROR(simple("test_multiple_content_types",
                            "Tests response with multiple content types (text, image, resource)",
                            ContentResult([](JsonWriter& w) {
                              w.StartObject()
                                  .Field("type", "text")
                                  .Field("text", "Multiple content types test:")
                                  .EndObject();
                              Image(w);
                              EmbeddedText(w, "test://mixed-content-resource", "application/json",
                                           R"({"test":"data","value":123})");
                            })));
  GW_RETURN_IF_ERROR(
      simple("test_error_handling", "Tests error response handling",
             ErrorToolResult("This tool intentionally returns an error for testing")));
  GW_RETURN_IF_ERROR(c.AddTool(
      {"test_tool_with_logging", "", "Tests tool that emits log messages during execution",
       std::string(kNoArgs), "", "", [](const CallPtr& call, const protocol::JsonValue&) {
         for (const char* text :
              {"Tool execution started", "Tool processing data", "Tool execution completed"}) {
           call->Log("info", "conformance", JsonString(text));
         }
         call->Reply(TextToolResult("Tool with logging executed successfully"));
       }}));
  GW_RETURN_IF_ERROR(c.AddTool(
      {"test_tool_with_progress", "", "Tests tool that reports progress notifications",
       std::string(kNoArgs), "", "", [](const CallPtr& call, const protocol::JsonValue&) {
         for (int step : {0, 50, 100}) {
           call->Progress(step, 100, "Completed step " + std::to_string(step) + " of 100");
         }
         call->Reply(TextToolResult("Progress reported in 3 steps"));
       }}));
  GW_RETURN_IF_ERROR(c.AddTool(
      {"test_sampling", "", "Tests server-initiated sampling (LLM completion request)",
       R"({"type":"object","properties":{"prompt":{"type":"string","description":"The prompt to send to the LLM"}},"required":["prompt"]})",
       "", "", [](const CallPtr& call, const protocol::JsonValue& args) {
         if (!call->client().supports_sampling) {
           return call->Reply(ErrorToolResult("The client does not support sampling"));
         }
         JsonWriter p;
         p.StartObject().Key("messages").StartArray().StartObject().Field("role", "user");
         p.Key("content")
             .StartObject()
             .Field("type", "text")
             .Field("text", *protocol::StringMember(args, "prompt"))
             .EndObject();
         p.EndObject().EndArray().Field("maxTokens", 100).EndObject();
         call->Request("sampling/createMessage", p.str(), [call](Result<protocol::Message> r) {
           if (!r || r->kind() != protocol::MessageKind::kResult) {
             return call->Reply(ErrorToolResult("Sampling failed"));
           }
           const protocol::JsonValue* content = protocol::ObjectMember(r->result(), "content");
           auto text = content ? protocol::StringMember(*content, "text") : std::nullopt;
           call->Reply(TextToolResult("LLM response: " + std::string(text.value_or(""))));
         });
       }}));
  GW_RETURN_IF_ERROR(c.AddTool(
      {"test_elicitation", "", "Tests server-initiated elicitation (user input request)",
       R"({"type":"object","properties":{"message":{"type":"string","description":"The message to show the user"}},"required":["message"]})",
       "", "", [](const CallPtr& call, const protocol::JsonValue& args) {
         JsonWriter p;
         p.StartObject()
             .Field("mode", "form")
             .Field("message", *protocol::StringMember(args, "message"));
         p.Key("requestedSchema")
             .Raw(
                 R"({"type":"object","properties":{"username":{"type":"string","description":"User's response"},)"
                 R"("email":{"type":"string","description":"User's email address"}},"required":["username","email"]})");
         p.EndObject();
         Elicit(call, p.str(), "User response: ");
       }}));
  GW_RETURN_IF_ERROR(c.AddTool(
      {"test_elicitation_sep1034_defaults", "",
       "Tests elicitation with default values per SEP-1034", std::string(kNoArgs), "", "",
       [](const CallPtr& call, const protocol::JsonValue&) {
         Elicit(
             call,
             R"({"mode":"form","message":"Please review and update the form fields with defaults","requestedSchema":{"type":"object","properties":{)"
             R"("name":{"type":"string","description":"User name","default":"John Doe"},)"
             R"("age":{"type":"integer","description":"User age","default":30},)"
             R"("score":{"type":"number","description":"User score","default":95.5},)"
             R"("status":{"type":"string","description":"User status","enum":["active","inactive","pending"],"default":"active"},)"
             R"("verified":{"type":"boolean","description":"Verification status","default":true}},"required":[]}})",
             "Elicitation completed: ");
       }}));
  GW_RETURN_IF_ERROR(c.AddTool(
      {"test_elicitation_sep1330_enums", "",
       "Tests elicitation with enum schema improvements per SEP-1330", std::string(kNoArgs), "", "",
       [](const CallPtr& call, const protocol::JsonValue&) {
         Elicit(
             call,
             R"({"mode":"form","message":"Please select options from the enum fields","requestedSchema":{"type":"object","properties":{)"
             R"("untitledSingle":{"type":"string","description":"Select one option","enum":["option1","option2","option3"]},)"
             R"("titledSingle":{"type":"string","description":"Select one option with titles","oneOf":[{"const":"value1","title":"First Option"},{"const":"value2","title":"Second Option"},{"const":"value3","title":"Third Option"}]},)"
             R"J("legacyEnum":{"type":"string","description":"Select one option (legacy)","enum":["opt1","opt2","opt3"],"enumNames":["Option One","Option Two","Option Three"]},)J"
             R"("untitledMulti":{"type":"array","description":"Select multiple options","minItems":1,"maxItems":3,"items":{"type":"string","enum":["option1","option2","option3"]}},)"
             R"("titledMulti":{"type":"array","description":"Select multiple options with titles","minItems":1,"maxItems":3,"items":{"anyOf":[{"const":"value1","title":"First Choice"},{"const":"value2","title":"Second Choice"},{"const":"value3","title":"Third Choice"}]}}},"required":[]}})",
             "Elicitation completed: ");
       }}));
  GW_RETURN_IF_ERROR(c.AddTool(
      {"test_reconnection", "",
       "Tests SSE stream disconnection and client reconnection (SEP-1699). Server will close the "
       "stream mid-call and send the result after client reconnects.",
       std::string(kNoArgs), "", "", [](const CallPtr& call, const protocol::JsonValue&) {
         call->InterruptStream();
         call->Reply(
             TextToolResult("Reconnection test completed successfully. If you received this, "
                            "the client properly reconnected after stream closure."));
       }}));
  return c.AddTool(
      {"json_schema_2020_12_tool", "", "Tool with JSON Schema 2020-12 features",
       R"({"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",)"
       R"("$defs":{"address":{"type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"}}}},)"
       R"("properties":{"name":{"type":"string"},"address":{"$ref":"#/$defs/address"}},"additionalProperties":false})",
       "", "", [](const CallPtr& call, const protocol::JsonValue& args) {
         call->Reply(
             TextToolResult("JSON Schema 2020-12 tool called with: " + protocol::Serialize(args)));
       }});
}

std::string TextContents(std::string_view uri, std::string_view mime, std::string_view text) {
  JsonWriter w;
  w.StartArray().StartObject().Field("uri", uri).Field("mimeType", mime).Field("text", text);
  w.EndObject().EndArray();
  return w.str();
}

Status AddResources(Catalog& c) {
  GW_RETURN_IF_ERROR(c.AddResource(
      {"test://static-text", "static-text", "Static Text Resource",
       "A static text resource for testing", "text/plain",
       [](std::string_view uri) -> Result<std::string> {
         return TextContents(uri, "text/plain", "This is the content of the static text resource.");
       }}));
  GW_RETURN_IF_ERROR(
      c.AddResource({"test://static-binary", "static-binary", "Static Binary Resource",
                     "A static binary resource (image) for testing", "image/png",
                     [](std::string_view uri) -> Result<std::string> {
                       JsonWriter w;
                       w.StartArray()
                           .StartObject()
                           .Field("uri", uri)
                           .Field("mimeType", "image/png")
                           .Field("blob", kPng);
                       w.EndObject().EndArray();
                       return w.str();
                     }}));
  GW_RETURN_IF_ERROR(c.AddResource({"test://watched-resource", "watched-resource",
                                    "Watched Resource", "A resource clients can subscribe to",
                                    "text/plain", [](std::string_view uri) -> Result<std::string> {
                                      return TextContents(uri, "text/plain",
                                                          "Watched resource content.");
                                    }}));
  return c.AddResourceTemplate(
      {"test://template/{id}/data", "template", "Resource Template",
       "A resource template with parameter substitution", "application/json",
       [](std::string_view uri) -> Result<std::string> {
         std::map<std::string, std::string> vars;
         protocol::MatchUriTemplate("test://template/{id}/data", uri, &vars);
         JsonWriter data;
         data.StartObject()
             .Field("id", vars["id"])
             .Field("templateTest", true)
             .Field("data", "Data for ID: " + vars["id"])
             .EndObject();
         return TextContents(uri, "application/json", data.str());
       },
       nullptr});
}

void UserText(JsonWriter& w, std::string_view text) {
  w.StartObject()
      .Field("role", "user")
      .Key("content")
      .StartObject()
      .Field("type", "text")
      .Field("text", text)
      .EndObject()
      .EndObject();
}

Status AddPrompts(Catalog& c) {
  GW_RETURN_IF_ERROR(c.AddPrompt({"test_simple_prompt",
                                  "Simple Test Prompt",
                                  "A simple prompt without arguments",
                                  {},
                                  [](const protocol::JsonValue&) -> Result<std::string> {
                                    JsonWriter w;
                                    w.StartObject().Key("messages").StartArray();
                                    UserText(w, "This is a simple prompt for testing.");
                                    w.EndArray().EndObject();
                                    return w.str();
                                  },
                                  nullptr}));
  GW_RETURN_IF_ERROR(c.AddPrompt(
      {"test_prompt_with_arguments",
       "Prompt With Arguments",
       "A prompt with required arguments",
       {{"arg1", "First test argument", true}, {"arg2", "Second test argument", true}},
       [](const protocol::JsonValue& args) -> Result<std::string> {
         JsonWriter w;
         w.StartObject().Key("messages").StartArray();
         UserText(w, "Prompt with arguments: arg1='" +
                         std::string(*protocol::StringMember(args, "arg1")) + "', arg2='" +
                         std::string(*protocol::StringMember(args, "arg2")) + "'");
         w.EndArray().EndObject();
         return w.str();
       },
       [](std::string_view name, std::string_view value, const protocol::JsonValue*) {
         std::vector<std::string> out;
         for (const char* v : {"paris", "park", "party", "test", "testValue1", "testValue2"}) {
           if ((name == "arg1" || name == "arg2") &&
               std::string_view(v).substr(0, value.size()) == value)
             out.emplace_back(v);
         }
         return out;
       }}));
  GW_RETURN_IF_ERROR(c.AddPrompt({"test_prompt_with_embedded_resource",
                                  "Prompt With Embedded Resource",
                                  "A prompt that includes an embedded resource",
                                  {{"resourceUri", "URI of the resource to embed", true}},
                                  [](const protocol::JsonValue& args) -> Result<std::string> {
                                    JsonWriter w;
                                    w.StartObject().Key("messages").StartArray();
                                    w.StartObject().Field("role", "user").Key("content");
                                    EmbeddedText(w, *protocol::StringMember(args, "resourceUri"),
                                                 "text/plain",
                                                 "Embedded resource content for testing.");
                                    w.EndObject();
                                    UserText(w, "Please process the embedded resource above.");
                                    w.EndArray().EndObject();
                                    return w.str();
                                  },
                                  nullptr}));
  return c.AddPrompt({"test_prompt_with_image",
                      "Prompt With Image",
                      "A prompt that includes image content",
                      {},
                      [](const protocol::JsonValue&) -> Result<std::string> {
                        JsonWriter w;
                        w.StartObject().Key("messages").StartArray();
                        w.StartObject().Field("role", "user").Key("content");
                        Image(w);
                        w.EndObject();
                        UserText(w, "Please analyze the image above.");
                        w.EndArray().EndObject();
                        return w.str();
                      },
                      nullptr});
}

}  // namespace

Status AddConformancePack(Catalog& catalog) {
  GW_RETURN_IF_ERROR(AddTools(catalog));
  GW_RETURN_IF_ERROR(AddResources(catalog));
  return AddPrompts(catalog);
}

}  // namespace gw::catalog
