// Catalog: prompts/get and completion/complete.
#include <algorithm>

#include "gw/catalog/catalog.h"
#include "gw/protocol/jsonrpc.h"

namespace gw::catalog {

using protocol::JsonWriter;
namespace rpc = protocol::rpc;

void Catalog::GetPrompt(const CallPtr& call) {
  auto name = protocol::StringMember(call->params(), "name");
  if (!name)
    return call->Fail(rpc::kInvalidParams, "Invalid params: prompts/get needs a string \"name\"");
  std::shared_ptr<const PromptSpec> prompt;
  {
    MutexLock lock(mu_);
    for (const auto& p : prompts_) {
      if (p->name == *name) prompt = p;
    }
  }
  if (!prompt) return call->Fail(rpc::kInvalidParams, "Unknown prompt: " + std::string(*name));
  static const protocol::JsonValue kEmptyObject(rapidjson::kObjectType);
  const JsonValue* args = protocol::Member(call->params(), "arguments");
  if (args && !args->IsObject()) {
    return call->Fail(rpc::kInvalidParams,
                      "Invalid params: \"arguments\" must be an object of strings");
  }
  const JsonValue& arguments = args ? *args : kEmptyObject;
  for (const PromptArgument& a : prompt->arguments) {
    const JsonValue* v = protocol::Member(arguments, a.name);
    if (v && !v->IsString()) {
      return call->Fail(rpc::kInvalidParams,
                        "Invalid params: argument '" + a.name + "' must be a string");
    }
    if (a.required && !v) {
      return call->Fail(rpc::kInvalidParams, "Invalid params: prompt '" + prompt->name +
                                                 "' needs the argument '" + a.name + "'");
    }
  }
  Result<std::string> result = prompt->get(arguments);
  if (!result) return call->Fail(result.error());
  call->Reply(*result);
}

void Catalog::Complete(const CallPtr& call) {
  const JsonValue& params = call->params();
  const JsonValue* ref = protocol::ObjectMember(params, "ref");
  const JsonValue* argument = protocol::ObjectMember(params, "argument");
  auto type = ref ? protocol::StringMember(*ref, "type") : std::nullopt;
  auto arg_name = argument ? protocol::StringMember(*argument, "name") : std::nullopt;
  auto arg_value = argument ? protocol::StringMember(*argument, "value") : std::nullopt;
  if (!type || !arg_name || !arg_value) {
    return call->Fail(rpc::kInvalidParams,
                      "Invalid params: completion/complete needs \"ref\" {type, name|uri} and "
                      "\"argument\" {name, value}");
  }
  CompleteFunction complete;
  bool found = false;
  {
    MutexLock lock(mu_);
    if (*type == "ref/prompt") {
      auto name = protocol::StringMember(*ref, "name").value_or("");
      for (const auto& p : prompts_) {
        if (p->name == name) {
          found = true;
          complete = p->complete;
        }
      }
    } else if (*type == "ref/resource") {
      auto uri = protocol::StringMember(*ref, "uri").value_or("");
      for (const auto& t : templates_) {
        if (t->uri_template == uri) {
          found = true;
          complete = t->complete;
        }
      }
    }
  }
  if (!found) {
    return call->Fail(rpc::kInvalidParams,
                      "Invalid params: no prompt or resource template matches the completion ref");
  }
  const JsonValue* context = protocol::ObjectMember(params, "context");
  const JsonValue* resolved = context ? protocol::ObjectMember(*context, "arguments") : nullptr;
  std::vector<std::string> values =
      complete ? complete(*arg_name, *arg_value, resolved) : std::vector<std::string>{};
  // MCP §Completion: at most 100 values per response.
  constexpr size_t kMaxValues = 100;
  JsonWriter w;
  w.StartObject().Key("completion").StartObject().Key("values").StartArray();
  for (size_t i = 0; i < values.size() && i < kMaxValues; ++i) w.String(values[i]);
  w.EndArray()
      .Field("total", static_cast<int64_t>(values.size()))
      .Field("hasMore", values.size() > kMaxValues)
      .EndObject()
      .EndObject();
  call->Reply(w.str());
}

}  // namespace gw::catalog
