// Namespacing for the federation, pure: merges the local catalog's items and each
// upstream's items into one view, renaming as each mount says, and records who owns what.
//
// Tool and prompt names get the mount's prefix ("everything__echo"); resource URIs and URI
// templates get its URI prefix ("everything+test://static/1": "name+" keeps it a valid URI
// scheme). An empty prefix mounts an upstream transparently. When two sources offer the same
// name, the first one (local first, then upstreams in config order) is served and the clash
// is reported, never silently shadowed.
//
// Thread-safety: a FederatedView is immutable once built; share it by shared_ptr<const>.
#pragma once

#include <rapidjson/document.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gw/base/result.h"

namespace gw::upstream {

// Items of one source, each a serialized JSON object as the source listed it.
struct SourceItems {
  std::string name;        // "local" or the upstream's name, for clash reports
  std::string prefix;      // for tool and prompt names
  std::string uri_prefix;  // for resource URIs and templates
  std::vector<std::string> tools, resources, templates, prompts;
};

// Who serves a namespaced name: `source` indexes the sources (0 = the first one given).
struct Owner {
  size_t source = 0;
  std::string original;  // the name, URI or template in the owner's own namespace
};

struct FederatedView {
  std::vector<std::string> tools, resources, templates, prompts;  // namespaced, serialized
  std::map<std::string, Owner, std::less<>> tool_owner, prompt_owner, resource_owner,
      template_owner;
  std::vector<std::string> clashes;  // one sentence each
  // Sources with an empty uri_prefix, in order, for URIs no list names.
  std::vector<size_t> transparent_uri_sources;
  std::vector<std::string> uri_prefixes;  // per source
};

FederatedView BuildView(const std::vector<SourceItems>& sources);

// The owner of `uri` (a resource URI or, for completion, a URI template): the source whose
// URI prefix it carries (longest first), else a listed resource or template of a transparent
// source, else a template match. nullopt when nobody claims it.
std::optional<Owner> OwnerOfUri(const FederatedView& view, std::string_view uri);

// How a client's params change on their way to the upstream that owns what they name: string
// member `key` (inside member `object`, when given) set to the upstream's own name or URI.
// An empty `key`, or a member that is absent, leaves the params as they came.
struct ParamsEdit {
  std::string object;
  std::string key;
  std::string value;
};

// The params to send to an upstream, written once from the parsed `params` the client sent:
// `edit` applied; _meta.progressToken set to `progress_token` and _meta.traceparent to
// `traceparent` where those are not empty (a _meta is added for a traceparent when there is
// none). Members that are not edited are copied as they are.
std::string ParamsForUpstream(const rapidjson::Value& params, const ParamsEdit& edit,
                              std::string_view progress_token, std::string_view traceparent);

// "NAME=URL" parsing lives with the config; this checks a name used to build prefixes:
// a letter, then letters, digits, '-' or '.', at most 64 characters.
Status ValidateUpstreamName(std::string_view name);

}  // namespace gw::upstream
