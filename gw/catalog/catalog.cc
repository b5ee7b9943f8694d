#include "gw/catalog/catalog.h"

#include <algorithm>
#include <charconv>

#include "gw/protocol/jsonrpc.h"

namespace gw::catalog {

using protocol::JsonWriter;
namespace rpc = protocol::rpc;

Catalog::Catalog(CatalogOptions options) : options_(std::move(options)) {}
Catalog::~Catalog() = default;

Status Catalog::AddTool(ToolSpec spec) {
  if (spec.name.empty() || !spec.handler)
    return InvalidArgument("a tool needs a name and a handler");
  auto schema = JsonSchema::Parse(spec.input_schema);
  if (!schema)
    return InvalidArgument("tool '" + spec.name + "': inputSchema: " + schema.error().message());
  MutexLock lock(mu_);
  for (const auto& t : tools_) {
    if (t->spec.name == spec.name)
      return MakeError(Code::kAlreadyExists, "tool '" + spec.name + "' is defined twice");
  }
  tools_.push_back(std::make_shared<const Tool>(Tool{std::move(spec), std::move(*schema)}));
  return OkStatus();
}

Status Catalog::AddResource(ResourceSpec spec) {
  if (spec.uri.empty() || !spec.read) return InvalidArgument("a resource needs a uri and a reader");
  MutexLock lock(mu_);
  for (const auto& r : resources_) {
    if (r->uri == spec.uri)
      return MakeError(Code::kAlreadyExists, "resource '" + spec.uri + "' is defined twice");
  }
  resources_.push_back(std::make_shared<const ResourceSpec>(std::move(spec)));
  return OkStatus();
}

Status Catalog::AddResourceTemplate(ResourceTemplateSpec spec) {
  if (spec.uri_template.empty() || !spec.read)
    return InvalidArgument("a resource template needs a uriTemplate and a reader");
  MutexLock lock(mu_);
  templates_.push_back(std::make_shared<const ResourceTemplateSpec>(std::move(spec)));
  return OkStatus();
}

Status Catalog::AddPrompt(PromptSpec spec) {
  if (spec.name.empty() || !spec.get) return InvalidArgument("a prompt needs a name and a getter");
  MutexLock lock(mu_);
  for (const auto& p : prompts_) {
    if (p->name == spec.name)
      return MakeError(Code::kAlreadyExists, "prompt '" + spec.name + "' is defined twice");
  }
  prompts_.push_back(std::make_shared<const PromptSpec>(std::move(spec)));
  return OkStatus();
}

bool Catalog::HasTool(std::string_view name) const {
  MutexLock lock(mu_);
  for (const auto& t : tools_) {
    if (t->spec.name == name) return true;
  }
  return false;
}

size_t Catalog::tool_count() const {
  MutexLock lock(mu_);
  return tools_.size();
}

std::string Catalog::Capabilities() const {
  return R"({"tools":{"listChanged":true},"resources":{"subscribe":true,"listChanged":true},)"
         R"("prompts":{"listChanged":true},"logging":{},"completions":{}})";
}

bool Catalog::Handle(const CallPtr& call) {
  Remember(call);
  const std::string& m = call->method();
  if (m == "tools/list")
    List(call, ListKind::kTools);
  else if (m == "tools/call")
    CallTool(call);
  else if (m == "resources/list")
    List(call, ListKind::kResources);
  else if (m == "resources/templates/list")
    List(call, ListKind::kResourceTemplates);
  else if (m == "resources/read")
    ReadResource(call);
  else if (m == "resources/subscribe")
    Subscribe(call, true);
  else if (m == "resources/unsubscribe")
    Subscribe(call, false);
  else if (m == "prompts/list")
    List(call, ListKind::kPrompts);
  else if (m == "prompts/get")
    GetPrompt(call);
  else if (m == "completion/complete")
    Complete(call);
  else
    return false;
  return true;
}

void Catalog::Remember(const CallPtr& call) {
  auto channel = call->session();
  if (channel->closed()) return;  // SessionClosed already ran; do not resurrect it
  MutexLock lock(mu_);
  auto& slot = sessions_[channel->session_id()];
  if (slot.expired()) slot = channel;
}

void Catalog::SessionClosed(const std::string& session_id) {
  MutexLock lock(mu_);
  sessions_.erase(session_id);
  for (auto it = subscribers_.begin(); it != subscribers_.end();) {
    auto& ids = it->second;
    ids.erase(std::remove(ids.begin(), ids.end(), session_id), ids.end());
    it = ids.empty() ? subscribers_.erase(it) : std::next(it);
  }
}

namespace {

void OptionalField(JsonWriter& w, std::string_view key, const std::string& value) {
  if (!value.empty()) w.Field(key, value);
}

// A Resource or ResourceTemplate object: `key` is "uri" or "uriTemplate".
void WriteResource(JsonWriter& w, std::string_view key, const std::string& where,
                   const std::string& name, const std::string& title,
                   const std::string& description, const std::string& mime_type) {
  w.StartObject().Field(key, where).Field("name", name);
  OptionalField(w, "title", title);
  OptionalField(w, "description", description);
  OptionalField(w, "mimeType", mime_type);
  w.EndObject();
}

}  // namespace

std::vector<std::string> Catalog::Items(ListKind kind) const {
  std::vector<std::string> out;
  MutexLock lock(mu_);
  auto each = [&](const auto& specs, auto&& write) {
    out.reserve(specs.size());
    for (const auto& spec : specs) {
      JsonWriter w;
      write(w, *spec);
      out.push_back(w.str());
    }
  };
  switch (kind) {
    case ListKind::kTools:
      each(tools_, [](JsonWriter& w, const Tool& t) {
        w.StartObject().Field("name", t.spec.name);
        OptionalField(w, "title", t.spec.title);
        OptionalField(w, "description", t.spec.description);
        w.Key("inputSchema").Raw(t.spec.input_schema);
        if (!t.spec.output_schema.empty()) w.Key("outputSchema").Raw(t.spec.output_schema);
        if (!t.spec.annotations.empty()) w.Key("annotations").Raw(t.spec.annotations);
        w.EndObject();
      });
      break;
    case ListKind::kResources:
      each(resources_, [](JsonWriter& w, const ResourceSpec& r) {
        WriteResource(w, "uri", r.uri, r.name, r.title, r.description, r.mime_type);
      });
      break;
    case ListKind::kResourceTemplates:
      each(templates_, [](JsonWriter& w, const ResourceTemplateSpec& t) {
        WriteResource(w, "uriTemplate", t.uri_template, t.name, t.title, t.description,
                      t.mime_type);
      });
      break;
    case ListKind::kPrompts:
      each(prompts_, [](JsonWriter& w, const PromptSpec& p) {
        w.StartObject().Field("name", p.name);
        OptionalField(w, "title", p.title);
        OptionalField(w, "description", p.description);
        if (!p.arguments.empty()) {
          w.Key("arguments").StartArray();
          for (const PromptArgument& a : p.arguments) {
            w.StartObject().Field("name", a.name);
            OptionalField(w, "description", a.description);
            w.Field("required", a.required).EndObject();
          }
          w.EndArray();
        }
        w.EndObject();
      });
      break;
  }
  return out;
}

void Catalog::List(const CallPtr& call, ListKind kind) {
  protocol::ReplyPage(call, Items(kind), ListKey(kind), options_.page_size);
}

void Catalog::CallTool(const CallPtr& call) { CallToolWith(call, nullptr); }

void Catalog::CallToolWith(const CallPtr& call,
                           const std::function<void(const CallPtr&, const JsonValue&)>& handler) {
  auto name = protocol::StringMember(call->params(), "name");
  if (!name)
    return call->Fail(rpc::kInvalidParams, "Invalid params: tools/call needs a string \"name\"");
  std::shared_ptr<const Tool> tool;
  {
    MutexLock lock(mu_);
    for (const auto& t : tools_) {
      if (t->spec.name == *name) tool = t;
    }
  }
  if (!tool) return call->Fail(rpc::kInvalidParams, "Unknown tool: " + std::string(*name));
  static const protocol::JsonValue kEmptyObject(rapidjson::kObjectType);
  const JsonValue* args = protocol::Member(call->params(), "arguments");
  if (args && !args->IsObject() && !args->IsNull()) {
    return call->Fail(rpc::kInvalidParams, "Invalid params: \"arguments\" must be an object");
  }
  const JsonValue& arguments = args && args->IsObject() ? *args : kEmptyObject;
  // MCP 2025-11-25 §Tools, Error Handling: input validation failures are tool execution
  // errors, so the model sees what was wrong and can try again.
  if (Status valid = tool->schema.Validate(arguments); !valid) {
    return call->Reply(ErrorToolResult("Invalid arguments for tool '" + tool->spec.name +
                                       "': " + valid.error().message()));
  }
  if (handler) return handler(call, arguments);
  tool->spec.handler(call, arguments);
}

void Catalog::ReadResource(const CallPtr& call) {
  auto uri = protocol::StringMember(call->params(), "uri");
  if (!uri)
    return call->Fail(rpc::kInvalidParams, "Invalid params: resources/read needs a string \"uri\"");
  ReadFunction read;
  {
    MutexLock lock(mu_);
    for (const auto& r : resources_) {
      if (r->uri == *uri) read = r->read;
    }
    std::map<std::string, std::string> vars;
    for (size_t i = 0; !read && i < templates_.size(); ++i) {
      if (protocol::MatchUriTemplate(templates_[i]->uri_template, *uri, &vars))
        read = templates_[i]->read;
    }
  }
  if (!read) {
    JsonWriter data;
    data.StartObject().Field("uri", *uri).EndObject();
    return call->Fail(rpc::kResourceNotFound, "Resource not found: " + std::string(*uri),
                      data.str());
  }
  Result<std::string> contents = read(*uri);
  if (!contents) return call->Fail(contents.error());
  JsonWriter w;
  w.StartObject().Key("contents").Raw(*contents).EndObject();
  call->Reply(w.str());
}

void Catalog::Subscribe(const CallPtr& call, bool subscribe) {
  auto uri = protocol::StringMember(call->params(), "uri");
  if (!uri) return call->Fail(rpc::kInvalidParams, "Invalid params: needs a string \"uri\"");
  // Bounded by what exists: clients cannot grow the table with made-up URIs.
  constexpr size_t kMaxSubscribedUris = 10000;
  const std::string& id = call->session()->session_id();
  {
    MutexLock lock(mu_);
    bool known = false;
    std::map<std::string, std::string> vars;
    for (const auto& r : resources_) known = known || r->uri == *uri;
    for (const auto& t : templates_)
      known = known || protocol::MatchUriTemplate(t->uri_template, *uri, &vars);
    auto it = subscribers_.find(*uri);
    if (subscribe && !known) {
      lock.Unlock();
      return call->Fail(rpc::kResourceNotFound, "Resource not found: " + std::string(*uri));
    }
    if (subscribe && it == subscribers_.end()) {
      if (subscribers_.size() >= kMaxSubscribedUris || call->session()->closed()) {
        lock.Unlock();
        return call->Fail(rpc::kServerUnavailable, "Too many resource subscriptions");
      }
      it = subscribers_.emplace(std::string(*uri), std::vector<std::string>{}).first;
    }
    if (it != subscribers_.end()) {
      auto& ids = it->second;
      ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
      if (subscribe) ids.push_back(id);
      if (ids.empty()) subscribers_.erase(it);
    }
  }
  call->Reply("{}");
}

void Catalog::NotifyResourceUpdated(std::string_view uri) {
  std::vector<std::shared_ptr<protocol::SessionChannel>> targets;
  {
    MutexLock lock(mu_);
    auto it = subscribers_.find(std::string(uri));
    if (it == subscribers_.end()) return;
    for (const std::string& id : it->second) {
      auto s = sessions_.find(id);
      if (s != sessions_.end()) {
        if (auto channel = s->second.lock()) targets.push_back(channel);
      }
    }
  }
  JsonWriter w;
  w.StartObject().Field("uri", uri).EndObject();
  for (auto& channel : targets) channel->Notify("notifications/resources/updated", w.str());
}

void Catalog::NotifyListChanged(std::string_view kind) {
  std::vector<std::shared_ptr<protocol::SessionChannel>> targets;
  {
    MutexLock lock(mu_);
    for (auto& [id, weak] : sessions_) {
      if (auto channel = weak.lock()) targets.push_back(channel);
    }
  }
  std::string method = "notifications/" + std::string(kind) + "/list_changed";
  for (auto& channel : targets) channel->Notify(method, "");
}

std::string TextToolResult(std::string_view text) {
  JsonWriter w;
  w.StartObject().Key("content").StartArray();
  w.StartObject().Field("type", "text").Field("text", text).EndObject();
  w.EndArray().EndObject();
  return w.str();
}

std::string StructuredToolResult(std::string_view json) {
  JsonWriter w;
  w.StartObject().Key("content").StartArray();
  w.StartObject().Field("type", "text").Field("text", json).EndObject();
  w.EndArray().Key("structuredContent").Raw(json).EndObject();
  return w.str();
}

std::string ErrorToolResult(std::string_view text) {
  JsonWriter w;
  w.StartObject().Key("content").StartArray();
  w.StartObject().Field("type", "text").Field("text", text).EndObject();
  w.EndArray().Field("isError", true).EndObject();
  return w.str();
}

std::string_view ListKey(ListKind kind) {
  switch (kind) {
    case ListKind::kTools:
      return "tools";
    case ListKind::kResources:
      return "resources";
    case ListKind::kResourceTemplates:
      return "resourceTemplates";
    case ListKind::kPrompts:
      return "prompts";
  }
  return "";
}

}  // namespace gw::catalog
