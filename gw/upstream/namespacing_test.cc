#include "gw/upstream/namespacing.h"

#include <gtest/gtest.h>

#include "gw/protocol/json.h"

namespace gw::upstream {
namespace {

SourceItems Local() {
  SourceItems s;
  s.name = "local";
  s.tools = {R"({"name":"echo","inputSchema":{"type":"object"}})"};
  s.resources = {R"({"uri":"edgegw://device/info","name":"device"})"};
  return s;
}

SourceItems Everything(std::string prefix, std::string uri_prefix) {
  SourceItems s;
  s.name = "everything";
  s.prefix = std::move(prefix);
  s.uri_prefix = std::move(uri_prefix);
  s.tools = {R"({"name":"echo","description":"upstream echo"})", R"({"name":"add"})"};
  s.prompts = {R"({"name":"simple-prompt"})"};
  s.resources = {R"({"uri":"test://static/resource/1","name":"r1"})"};
  s.templates = {R"({"uriTemplate":"test://static/resource/{id}","name":"t"})"};
  return s;
}

TEST(Namespacing, PrefixesNamesAndUrisAndRemembersOwners) {
  FederatedView v = BuildView({Local(), Everything("everything__", "everything+")});
  ASSERT_EQ(v.tools.size(), 3u);
  EXPECT_EQ(v.tools[1], R"({"name":"everything__echo","description":"upstream echo"})");
  EXPECT_EQ(v.tool_owner.at("everything__add").source, 1u);
  EXPECT_EQ(v.tool_owner.at("everything__add").original, "add");
  EXPECT_EQ(v.tool_owner.at("echo").source, 0u);
  EXPECT_EQ(v.prompt_owner.at("everything__simple-prompt").original, "simple-prompt");
  EXPECT_EQ(v.resources[1], R"({"uri":"everything+test://static/resource/1","name":"r1"})");
  EXPECT_TRUE(v.clashes.empty());

  auto owner = OwnerOfUri(v, "everything+test://static/resource/7");
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->source, 1u);
  EXPECT_EQ(owner->original, "test://static/resource/7");
  owner = OwnerOfUri(v, "edgegw://device/info");
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->source, 0u);
  EXPECT_FALSE(OwnerOfUri(v, "test://static/resource/1"));  // only under its prefix
}

TEST(Namespacing, TransparentMountReportsClashesAndServesTheFirst) {
  FederatedView v = BuildView({Local(), Everything("", "")});
  ASSERT_EQ(v.tools.size(), 2u);  // local echo + add; the upstream echo clashes
  EXPECT_EQ(v.tool_owner.at("echo").source, 0u);
  EXPECT_EQ(v.tool_owner.at("add").source, 1u);
  ASSERT_EQ(v.clashes.size(), 1u);
  EXPECT_NE(v.clashes[0].find("tool 'echo' of 'everything' clashes with the one of 'local'"),
            std::string::npos);
  // Unlisted URIs of a transparent upstream are found through its templates.
  auto owner = OwnerOfUri(v, "test://static/resource/42");
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->source, 1u);
  EXPECT_EQ(owner->original, "test://static/resource/42");
  EXPECT_FALSE(OwnerOfUri(v, "nobody://x"));
}

TEST(Namespacing, SkipsItemsThatAreNotObjectsWithAName) {
  SourceItems s;
  s.name = "odd";
  s.tools = {"[]", R"({"name":""})", R"({"title":"x"})", "not json", R"({"name":"ok"})"};
  FederatedView v = BuildView({s});
  ASSERT_EQ(v.tools.size(), 1u);
  EXPECT_EQ(v.tools[0], R"({"name":"ok"})");
}

TEST(Namespacing, UpstreamNamesMustMakeValidPrefixes) {
  EXPECT_TRUE(ValidateUpstreamName("everything"));
  EXPECT_TRUE(ValidateUpstreamName("cloud-1.eu"));
  EXPECT_FALSE(ValidateUpstreamName(""));
  EXPECT_FALSE(ValidateUpstreamName("1cloud"));
  EXPECT_FALSE(ValidateUpstreamName("a b"));
  EXPECT_FALSE(ValidateUpstreamName("a_b"));
}

TEST(ParamsForUpstream, RenamesAndSetsMetaInOnePass) {
  auto doc = protocol::ParseJson(
      R"({"name":"cloud__echo","arguments":{"text":"hi"},"_meta":{"progressToken":7,"x":1}})");
  ASSERT_TRUE(doc);
  auto out = protocol::ParseJson(ParamsForUpstream(*doc, {{}, "name", "echo"}, "edgegw-1",
                                                   "00-4bf92f3577b34da6a3ce929d0e0e4736-"
                                                   "00f067aa0ba902b7-01"));
  ASSERT_TRUE(out);
  EXPECT_EQ(protocol::StringMember(*out, "name"), "echo");
  EXPECT_EQ(protocol::StringMember(*protocol::ObjectMember(*out, "arguments"), "text"), "hi");
  const auto* meta = protocol::ObjectMember(*out, "_meta");
  ASSERT_TRUE(meta);
  EXPECT_EQ(protocol::StringMember(*meta, "progressToken"), "edgegw-1");
  EXPECT_EQ(protocol::StringMember(*meta, "traceparent"),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_TRUE(protocol::Member(*meta, "x"));
}

TEST(ParamsForUpstream, EditsInsideAnObjectAndAddsMetaOnlyForATrace) {
  auto doc = protocol::ParseJson(R"({"ref":{"type":"ref/prompt","name":"a__p"},"argument":{}})");
  ASSERT_TRUE(doc);
  EXPECT_EQ(ParamsForUpstream(*doc, {"ref", "name", "p"}, "", ""),
            R"({"ref":{"type":"ref/prompt","name":"p"},"argument":{}})");
  auto traced = protocol::ParseJson(ParamsForUpstream(*doc, {}, "", "00-tp"));
  ASSERT_TRUE(traced);
  EXPECT_EQ(protocol::StringMember(*protocol::ObjectMember(*traced, "_meta"), "traceparent"),
            "00-tp");
  // A member that is absent stays absent; a _meta that is not an object is left alone.
  auto odd = protocol::ParseJson(R"({"uri":"a","_meta":3})");
  EXPECT_EQ(ParamsForUpstream(*odd, {{}, "name", "x"}, "t", "00-tp"), R"({"uri":"a","_meta":3})");
}

}  // namespace
}  // namespace gw::upstream
