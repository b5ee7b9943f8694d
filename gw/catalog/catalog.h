// Catalog: the tools, resources, resource templates and prompts the gateway serves itself,
// as a protocol::Service. Handles tools/*, resources/*, prompts/* and completion/complete
// with cursor pagination, validates tool arguments against each tool's inputSchema, keeps
// resource subscriptions, and tells sessions about list changes.
//
// Ownership: owns the specs; borrows nothing. Thread-safety: all methods are thread-safe.
// Handlers run on the thread that delivered the request (an I/O thread): a handler that
// takes long must hand its work to another thread and complete the Call from there.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gw/base/mutex.h"
#include "gw/catalog/json_schema.h"
#include "gw/protocol/listing.h"
#include "gw/protocol/service.h"

namespace gw::catalog {

using protocol::CallPtr;
using protocol::JsonValue;

struct ToolSpec {
  std::string name;
  std::string title;
  std::string description;
  std::string input_schema = R"({"type":"object"})";  // JSON Schema 2020-12
  std::string output_schema;                          // optional
  std::string annotations;                            // optional ToolAnnotations JSON
  // Runs the tool with arguments that passed input_schema. Must complete `call` with a
  // CallToolResult (see ToolResult helpers) or a JSON-RPC error, now or later.
  std::function<void(const CallPtr& call, const JsonValue& arguments)> handler;
};

// Returns the "contents" array (serialized JSON) of a resources/read result.
using ReadFunction = std::function<Result<std::string>(std::string_view uri)>;
// Returns completion values for argument `name` with the prefix `value`; `context` holds
// the arguments already resolved (may be null).
using CompleteFunction = std::function<std::vector<std::string>(
    std::string_view name, std::string_view value, const JsonValue* context)>;

struct ResourceSpec {
  std::string uri;
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
  ReadFunction read;
};

struct ResourceTemplateSpec {
  std::string uri_template;  // RFC 6570 level 1, e.g. "test://template/{id}/data"
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
  ReadFunction read;          // called with a concrete URI that matches the template
  CompleteFunction complete;  // optional
};

struct PromptArgument {
  std::string name;
  std::string description;
  bool required = false;
};

struct PromptSpec {
  std::string name;
  std::string title;
  std::string description;
  std::vector<PromptArgument> arguments;
  // Returns the prompts/get result (serialized JSON with "messages"). Required arguments
  // are checked before it runs.
  std::function<Result<std::string>(const JsonValue& arguments)> get;
  CompleteFunction complete;  // optional
};

// The four kinds of list an MCP server pages through.
enum class ListKind { kTools, kResources, kResourceTemplates, kPrompts };
// The result's array key: "tools", "resources", "resourceTemplates", "prompts".
std::string_view ListKey(ListKind kind);

struct CatalogOptions {
  protocol::ServerInfo info;
  size_t page_size = 50;  // items per tools/list, resources/list, ... page
};

class Catalog : public protocol::Service {
 public:
  explicit Catalog(CatalogOptions options);
  ~Catalog() override;

  // kAlreadyExists for a duplicate name/URI; kInvalidArgument for a bad schema or template.
  Status AddTool(ToolSpec spec);
  Status AddResource(ResourceSpec spec);
  Status AddResourceTemplate(ResourceTemplateSpec spec);
  Status AddPrompt(PromptSpec spec);
  size_t tool_count() const;
  bool HasTool(std::string_view name) const;
  // Every item of `kind` as a serialized JSON object, in the order it was added (what the
  // */list methods page through; the federation merges these with upstream items).
  std::vector<std::string> Items(ListKind kind) const;

  // Sends notifications/resources/updated to the sessions subscribed to `uri`.
  void NotifyResourceUpdated(std::string_view uri);
  // Sends notifications/<kind>/list_changed ("tools", "resources", "prompts") to all sessions.
  void NotifyListChanged(std::string_view kind);

  // protocol::Service.
  std::string Capabilities() const override;
  protocol::ServerInfo Info() const override { return options_.info; }
  bool Handle(const CallPtr& call) override;
  void SessionClosed(const std::string& session_id) override;

  // tools/call of a tool of this catalog with the catalog's checks (the tool exists, the
  // arguments pass its input schema), then run by `handler` instead of the tool's own (a
  // route target that serves the tool its own way). Null `handler`: the tool's own.
  void CallToolWith(const CallPtr& call,
                    const std::function<void(const CallPtr&, const JsonValue&)>& handler);

 private:
  struct Tool {
    ToolSpec spec;
    JsonSchema schema;
  };
  void List(const CallPtr& call, ListKind kind);
  void CallTool(const CallPtr& call);

  void ReadResource(const CallPtr& call);
  void Subscribe(const CallPtr& call, bool subscribe);
  void GetPrompt(const CallPtr& call);
  void Complete(const CallPtr& call);
  void Remember(const CallPtr& call);

  const CatalogOptions options_;
  mutable Mutex mu_;
  std::vector<std::shared_ptr<const Tool>> tools_ GW_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<const ResourceSpec>> resources_ GW_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<const ResourceTemplateSpec>> templates_ GW_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<const PromptSpec>> prompts_ GW_GUARDED_BY(mu_);
  // Sessions seen, for list_changed, and subscriptions by URI.
  std::map<std::string, std::weak_ptr<protocol::SessionChannel>> sessions_ GW_GUARDED_BY(mu_);
  std::map<std::string, std::vector<std::string>, std::less<>> subscribers_
      GW_GUARDED_BY(mu_);  // uri -> session ids
};

// Builders for CallToolResult JSON.
std::string TextToolResult(std::string_view text);
// A result with `json` both as structuredContent and, for older clients, as text.
std::string StructuredToolResult(std::string_view json);
// A tool execution error the model can read and correct (isError: true).
std::string ErrorToolResult(std::string_view text);

}  // namespace gw::catalog
