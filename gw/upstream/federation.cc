#include "gw/upstream/federation.h"

#include <algorithm>
#include <utility>

#include "gw/base/log.h"
#include "gw/protocol/jsonrpc.h"
#include "gw/protocol/listing.h"

namespace gw::upstream {

using protocol::CallPtr;
using protocol::JsonDocument;
using protocol::JsonValue;
using protocol::JsonWriter;
using protocol::Message;

namespace {

constexpr size_t kLocal = 0;  // source index of the local catalog in the view
constexpr size_t kMaxSubscribedUris = 10000;
constexpr const char* kRouteMetaKey = "io.edgegw/route";

}  // namespace

Federation::Federation(protocol::Service& local, FederationOptions options)
    : local_(local), options_(std::move(options)) {
  Rebuild(false);
}

Federation::~Federation() { Stop(); }

void Federation::Add(Mount mount) { mounts_.push_back(std::move(mount)); }

std::string Federation::Capabilities() const {
  std::string caps = local_.Capabilities();
  if (!options_.tasks || caps.size() < 2) return caps;
  caps.pop_back();  // '}'
  return caps + R"(,"tasks":)" + std::string(protocol::kTasksCapability) + "}";
}

void Federation::Start() {
  Rebuild(false);
  for (Mount& m : mounts_) m.upstream->Start(this);
}

void Federation::Stop() {
  for (Mount& m : mounts_) m.upstream->Stop();
}

size_t Federation::ready_count() const {
  size_t n = 0;
  for (const Mount& m : mounts_) n += m.upstream->state() == UpstreamState::kReady;
  return n;
}

bool Federation::WaitForUpstreams(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(ready_mu_);
  while (ready_count() != mounts_.size()) {
    if (!ready_cv_.WaitUntil(ready_mu_, deadline)) return ready_count() == mounts_.size();
  }
  return true;
}

std::string Federation::StatusJson() const {
  JsonWriter w;
  w.StartObject();
  for (const Mount& m : mounts_) {
    w.Field(m.upstream->name(), UpstreamStateName(m.upstream->state()));
  }
  w.EndObject();
  return w.str();
}

std::shared_ptr<const FederatedView> Federation::view() const {
  MutexLock lock(mu_);
  return view_;
}

void Federation::Rebuild(bool notify) {
  std::vector<SourceItems> sources(1 + mounts_.size());
  SourceItems& local = sources[kLocal];
  if (options_.local_items) local = options_.local_items();
  local.name = "local";
  local.prefix.clear();
  local.uri_prefix.clear();
  for (size_t i = 0; i < mounts_.size(); ++i) {
    SourceItems& s = sources[i + 1];
    s.name = mounts_[i].upstream->name();
    s.prefix = mounts_[i].prefix;
    s.uri_prefix = mounts_[i].uri_prefix;
    if (auto listing = mounts_[i].upstream->listing()) {
      s.tools = listing->tools;
      s.resources = listing->resources;
      s.templates = listing->templates;
      s.prompts = listing->prompts;
    }
  }
  auto built = std::make_shared<FederatedView>(BuildView(sources));
  // A route for an exact tool name makes that name callable even where no source lists it
  // under it (say "summarize" routed to an upstream mounted with a prefix): list it too,
  // described by the first target of its chain that has it.
  for (const auto& routed : options_.routed_tools) {
    const std::string& tool = routed.first;  // (clang 14 lambdas cannot capture bindings)
    const std::vector<std::string>& chain = routed.second;
    if (tool.empty() || built->tool_owner.count(tool)) continue;
    for (const std::string& target : chain) {
      std::optional<size_t> source =
          target == sources[kLocal].name ? std::optional<size_t>(kLocal) : SourceOf(target);
      if (!source) continue;
      const std::vector<std::string>& items = sources[*source].tools;
      auto item = std::find_if(items.begin(), items.end(), [&](const std::string& json) {
        auto doc = protocol::ParseJson(json);
        return doc && protocol::StringMember(*doc, "name") == tool;
      });
      if (item == items.end()) continue;
      built->tools.push_back(*item);
      built->tool_owner.emplace(tool, Owner{*source, tool});
      break;
    }
  }
  // Tools a queueable route covers may be called as tasks.
  for (std::string& item : built->tools) {
    if (!options_.tasks || !options_.task_capable) break;
    auto doc = protocol::ParseJson(item);
    auto name = doc ? protocol::StringMember(*doc, "name") : std::nullopt;
    if (!name || !options_.task_capable(*name)) continue;
    auto& alloc = doc->GetAllocator();
    doc->RemoveMember("execution");
    JsonValue execution(rapidjson::kObjectType);
    execution.AddMember("taskSupport", "optional", alloc);
    doc->AddMember("execution", execution, alloc);
    item = protocol::Serialize(*doc);
  }
  std::shared_ptr<const FederatedView> next = std::move(built);
  std::shared_ptr<const FederatedView> old;
  std::vector<std::shared_ptr<protocol::SessionChannel>> channels;
  {
    MutexLock lock(mu_);
    old = std::move(view_);
    view_ = next;
    for (auto& [id, weak] : sessions_) {
      if (auto channel = weak.lock()) channels.push_back(std::move(channel));
    }
  }
  for (const std::string& clash : next->clashes) {
    if (!old || std::find(old->clashes.begin(), old->clashes.end(), clash) == old->clashes.end()) {
      GW_LOG_WARNING("federation: %s", clash.c_str());
    }
  }
  if (!notify || !old) return;
  auto changed = [&](const char* method, bool differs) {
    if (!differs) return;
    for (auto& channel : channels) channel->Notify(method, "");
  };
  changed("notifications/tools/list_changed", old->tools != next->tools);
  changed("notifications/prompts/list_changed", old->prompts != next->prompts);
  changed("notifications/resources/list_changed",
          old->resources != next->resources || old->templates != next->templates);
}

void Federation::ListingChanged(Upstream& upstream) {
  Rebuild(true);
  if (options_.save_listing) {
    if (auto listing = upstream.listing()) options_.save_listing(upstream.name(), *listing);
  }
  if (options_.on_ready) options_.on_ready(upstream.name());  // deliver what waited
  MutexLock lock(ready_mu_);
  ready_cv_.SignalAll();
}

void Federation::ResourceUpdated(Upstream& upstream, std::string_view uri) {
  std::string namespaced;
  for (const Mount& m : mounts_) {
    if (m.upstream.get() == &upstream) namespaced = m.uri_prefix + std::string(uri);
  }
  std::vector<std::shared_ptr<protocol::SessionChannel>> targets;
  {
    MutexLock lock(mu_);
    auto it = subscribers_.find(namespaced);
    if (it == subscribers_.end()) return;
    for (const std::string& id : it->second) {
      auto s = sessions_.find(id);
      if (s == sessions_.end()) continue;
      if (auto channel = s->second.lock()) targets.push_back(std::move(channel));
    }
  }
  JsonWriter w;
  w.StartObject().Field("uri", namespaced).EndObject();
  for (auto& channel : targets) channel->Notify("notifications/resources/updated", w.str());
}

void Federation::Remember(const CallPtr& call) {
  auto channel = call->session();
  if (!channel || channel->closed()) return;
  MutexLock lock(mu_);
  auto& slot = sessions_[channel->session_id()];
  if (slot.expired()) slot = channel;
}

void Federation::SessionClosed(const std::string& session_id) {
  local_.SessionClosed(session_id);
  std::vector<std::pair<std::string, size_t>> unsubscribe;  // namespaced uri, source
  std::shared_ptr<const FederatedView> v = view();
  {
    MutexLock lock(mu_);
    sessions_.erase(session_id);
    for (auto it = subscribers_.begin(); it != subscribers_.end();) {
      if (it->second.erase(session_id) && it->second.empty()) {
        if (auto owner = OwnerOfUri(*v, it->first))
          unsubscribe.emplace_back(owner->original, owner->source);
        it = subscribers_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& [uri, source] : unsubscribe) {
    if (source == kLocal || source > mounts_.size()) continue;
    JsonWriter p;
    p.StartObject().Field("uri", uri).EndObject();
    mounts_[source - 1].upstream->Request("resources/unsubscribe", p.str(), [](Result<Message>) {});
  }
}

bool Federation::Handle(const CallPtr& call) {
  Remember(call);
  const std::string& m = call->method();
  std::shared_ptr<const FederatedView> v = view();
  const JsonValue& params = call->params();
  if (m == "tools/list")
    return protocol::ReplyPage(call, v->tools, "tools", options_.page_size), true;
  if (m == "prompts/list")
    return protocol::ReplyPage(call, v->prompts, "prompts", options_.page_size), true;
  if (m == "resources/list") {
    return protocol::ReplyPage(call, v->resources, "resources", options_.page_size), true;
  }
  if (m == "resources/templates/list") {
    return protocol::ReplyPage(call, v->templates, "resourceTemplates", options_.page_size), true;
  }
  if (m == "tools/call") return local_.Handle(call);  // malformed: the catalog explains
  if (m == "prompts/get") {
    auto name = protocol::StringMember(params, "name");
    auto it = name ? v->prompt_owner.find(*name) : v->prompt_owner.end();
    if (it != v->prompt_owner.end() && it->second.source != kLocal) {
      ForwardTo(call, it->second.source, {{}, "name", it->second.original}, {}, {}, true);
      return true;
    }
  } else if (m == "resources/read") {
    auto uri = protocol::StringMember(params, "uri");
    auto owner = uri ? OwnerOfUri(*v, *uri) : std::nullopt;
    if (owner && owner->source != kLocal) {
      ForwardTo(call, owner->source, {{}, "uri", owner->original}, {},
                v->uri_prefixes[owner->source], true);
      return true;
    }
  } else if (m == "resources/subscribe" || m == "resources/unsubscribe") {
    auto uri = protocol::StringMember(params, "uri");
    auto owner = uri ? OwnerOfUri(*v, *uri) : std::nullopt;
    if (owner && owner->source != kLocal) {
      Subscribe(call, m == "resources/subscribe");
      return true;
    }
  } else if (m == "completion/complete") {
    const JsonValue* ref = protocol::ObjectMember(params, "ref");
    auto type = ref ? protocol::StringMember(*ref, "type") : std::nullopt;
    std::optional<Owner> owner;
    std::string_view key;
    if (type == "ref/prompt") {
      key = "name";
      auto name = protocol::StringMember(*ref, "name");
      auto it = name ? v->prompt_owner.find(*name) : v->prompt_owner.end();
      if (it != v->prompt_owner.end()) owner = it->second;
    } else if (type == "ref/resource") {
      key = "uri";
      auto uri = protocol::StringMember(*ref, "uri");
      if (uri) owner = OwnerOfUri(*v, *uri);
    }
    if (owner && owner->source != kLocal) {
      ForwardTo(call, owner->source, {"ref", std::string(key), owner->original}, {}, {}, true);
      return true;
    }
  }
  return local_.Handle(call);
}

void Federation::Subscribe(const CallPtr& call, bool subscribe) {
  std::shared_ptr<const FederatedView> v = view();
  std::string uri(*protocol::StringMember(call->params(), "uri"));
  auto owner = OwnerOfUri(*v, uri);
  const std::string& session = call->session()->session_id();
  bool forward = true;
  {
    MutexLock lock(mu_);
    if (subscribe) {
      if (!subscribers_.count(uri) && subscribers_.size() >= kMaxSubscribedUris) {
        lock.Unlock();
        return call->Fail(protocol::rpc::kServerUnavailable, "Too many resource subscriptions");
      }
      subscribers_[uri].insert(session);
    } else {
      auto it = subscribers_.find(uri);
      if (it != subscribers_.end()) {
        it->second.erase(session);
        forward = it->second.empty();  // others still want updates: keep the upstream's
        if (forward) subscribers_.erase(it);
      }
    }
  }
  if (!forward) return call->Reply("{}");
  ForwardTo(call, owner->source, {{}, "uri", owner->original}, {}, {}, true);
}

std::optional<size_t> Federation::SourceOf(std::string_view upstream_name) const {
  for (size_t i = 0; i < mounts_.size(); ++i) {
    if (mounts_[i].upstream->name() == upstream_name) return i + 1;
  }
  return std::nullopt;
}

std::string Federation::ToolOwner(std::string_view tool) const {
  std::shared_ptr<const FederatedView> v = view();
  auto it = v->tool_owner.find(std::string(tool));
  if (it == v->tool_owner.end() || it->second.source == kLocal) return "";
  return mounts_[it->second.source - 1].upstream->name();
}

std::string Federation::OriginalName(std::string_view tool, std::string_view upstream) const {
  std::optional<size_t> source = SourceOf(upstream);
  std::shared_ptr<const FederatedView> v = view();
  auto it = v->tool_owner.find(std::string(tool));
  if (source && it != v->tool_owner.end() && it->second.source == *source)
    return it->second.original;
  return std::string(tool);
}

void Federation::ForwardTool(const CallPtr& call, std::string_view upstream,
                             const std::function<bool(const Error&)>& unreachable) {
  std::optional<size_t> source = SourceOf(upstream);
  if (!source) {
    Error e(Code::kUnavailable, "upstream '" + std::string(upstream) + "' is not configured");
    if (unreachable && unreachable(e)) return;
    return call->Fail(e);
  }
  std::string name(protocol::StringMember(call->params(), "name").value_or(""));
  std::string original = OriginalName(name, upstream);
  ParamsEdit edit;
  if (original != name) edit = {{}, "name", original};
  ForwardTo(call, *source, edit, original, {}, false, unreachable);
}

void Federation::ForwardTo(const CallPtr& call, size_t source, const ParamsEdit& edit,
                           const std::string& tool, const std::string& uri_prefix, bool owner_meta,
                           const std::function<bool(const Error&)>& unreachable) {
  Upstream& up = *mounts_[source - 1].upstream;
  std::string route_json;
  if (owner_meta) {
    JsonWriter w;
    w.StartObject().Field("route", "cloud").Field("target", up.name());
    w.Field("reason", "owner").EndObject();
    route_json = w.str();
  }
  up.Forward(call, edit, tool, [call, uri_prefix, route_json, unreachable](Result<Message> r) {
    if (!r) {
      // Only failures where the upstream cannot have run the call may move on; a
      // call that may have run is never sent somewhere else.
      if (r.error().code() == Code::kUnavailable && !call->cancelled() && unreachable &&
          unreachable(r.error())) {
        return;
      }
      return call->Fail(r.error());
    }
    if (r->kind() == protocol::MessageKind::kError) {
      const JsonValue& e = r->error();
      const JsonValue* data = protocol::Member(e, "data");
      return call->Fail(
          static_cast<int>(protocol::IntMember(e, "code").value_or(protocol::rpc::kInternalError)),
          protocol::StringMember(e, "message").value_or("upstream error"),
          data ? protocol::Serialize(*data) : std::string());
    }
    const JsonValue& result = r->result();
    if (!route_json.empty()) call->AddResultMeta(kRouteMetaKey, route_json);
    if (uri_prefix.empty() || !result.IsObject()) return call->Reply(protocol::Serialize(result));
    // resources/read: the contents' URIs are the upstream's; give them our prefix.
    JsonDocument doc;
    doc.CopyFrom(result, doc.GetAllocator());
    auto& alloc = doc.GetAllocator();
    auto contents = doc.FindMember("contents");
    if (contents != doc.MemberEnd() && contents->value.IsArray()) {
      for (auto& item : contents->value.GetArray()) {
        auto u = item.IsObject() ? item.FindMember("uri") : item.MemberEnd();
        if (item.IsObject() && u != item.MemberEnd() && u->value.IsString()) {
          std::string prefixed = uri_prefix + std::string(protocol::AsView(u->value));
          u->value.SetString(prefixed.c_str(), static_cast<rapidjson::SizeType>(prefixed.size()),
                             alloc);
        }
      }
    }
    call->Reply(protocol::Serialize(doc));
  });
}

}  // namespace gw::upstream
