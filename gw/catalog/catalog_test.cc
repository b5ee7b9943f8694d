#include "gw/catalog/catalog.h"

#include <gtest/gtest.h>

#include "gw/protocol/server_session.h"
#include "gw/testing/conformance_pack.h"
#include "gw/testing/protocol_doubles.h"

namespace gw::catalog {
namespace {

using gw::testing::LastMessage;
class CatalogTest : public ::testing::Test {
 protected:
  CatalogTest() : catalog_(Options()) {
    EXPECT_TRUE(AddConformancePack(catalog_));
    session_.ReceiveText(
        R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})");
  }
  static CatalogOptions Options() {
    CatalogOptions o;
    o.page_size = 5;
    return o;
  }
  protocol::JsonDocument Ask(const std::string& method, const std::string& params = "{}") {
    session_.ReceiveText(R"({"jsonrpc":"2.0","id":1,"method":")" + method + R"(","params":)" +
                         params + "}");
    return outbox_->Doc();
  }
  Catalog catalog_;
  std::shared_ptr<LastMessage> outbox_ = std::make_shared<LastMessage>();
  protocol::ServerSession session_{"s", catalog_, outbox_};
};

TEST_F(CatalogTest, PaginatesToolsWithOpaqueCursors) {
  size_t seen = 0;
  std::string params = "{}";
  for (int page = 0; page < 10; ++page) {
    auto doc = Ask("tools/list", params);
    seen += doc["result"]["tools"].Size();
    if (!doc["result"].HasMember("nextCursor")) break;
    params = R"({"cursor":")" + std::string(doc["result"]["nextCursor"].GetString()) + R"("})";
  }
  EXPECT_EQ(seen, catalog_.tool_count());
  auto bad = Ask("tools/list", R"({"cursor":"o999"})");
  EXPECT_EQ(bad["error"]["code"].GetInt(), protocol::rpc::kInvalidParams);
}

TEST_F(CatalogTest, UnknownToolIsInvalidParamsAndBadArgumentsAreToolErrors) {
  auto unknown = Ask("tools/call", R"({"name":"nope"})");
  EXPECT_EQ(unknown["error"]["code"].GetInt(), protocol::rpc::kInvalidParams);
  EXPECT_STREQ(unknown["error"]["message"].GetString(), "Unknown tool: nope");
  auto bad = Ask("tools/call", R"({"name":"test_sampling","arguments":{"prompt":5}})");
  EXPECT_TRUE(bad["result"]["isError"].GetBool());
  EXPECT_NE(
      std::string(bad["result"]["content"][0]["text"].GetString()).find("/prompt: must be string"),
      std::string::npos);
  auto no_name = Ask("tools/call", R"({"arguments":{}})");
  EXPECT_EQ(no_name["error"]["code"].GetInt(), protocol::rpc::kInvalidParams);
}

TEST_F(CatalogTest, ReadsResourcesAndTemplates) {
  auto text = Ask("resources/read", R"({"uri":"test://static-text"})");
  EXPECT_STREQ(text["result"]["contents"][0]["text"].GetString(),
               "This is the content of the static text resource.");
  auto templated = Ask("resources/read", R"({"uri":"test://template/42/data"})");
  EXPECT_NE(std::string(templated["result"]["contents"][0]["text"].GetString()).find("42"),
            std::string::npos);
  auto missing = Ask("resources/read", R"({"uri":"test://nothing"})");
  EXPECT_EQ(missing["error"]["code"].GetInt(), protocol::rpc::kResourceNotFound);
  // Subscriptions only to what exists, so clients cannot grow the table with made-up URIs.
  auto sub_missing = Ask("resources/subscribe", R"({"uri":"test://nothing"})");
  EXPECT_EQ(sub_missing["error"]["code"].GetInt(), protocol::rpc::kResourceNotFound);
  auto sub_template = Ask("resources/subscribe", R"({"uri":"test://template/7/data"})");
  EXPECT_TRUE(sub_template["result"].IsObject());
}

TEST_F(CatalogTest, PromptsCheckRequiredArguments) {
  auto ok = Ask("prompts/get",
                R"({"name":"test_prompt_with_arguments","arguments":{"arg1":"a","arg2":"b"}})");
  EXPECT_TRUE(ok["result"]["messages"].IsArray());
  auto missing =
      Ask("prompts/get", R"({"name":"test_prompt_with_arguments","arguments":{"arg1":"a"}})");
  EXPECT_EQ(missing["error"]["code"].GetInt(), protocol::rpc::kInvalidParams);
  auto unknown = Ask("prompts/get", R"({"name":"nope"})");
  EXPECT_EQ(unknown["error"]["code"].GetInt(), protocol::rpc::kInvalidParams);
}

TEST_F(CatalogTest, CompletesPromptArguments) {
  auto doc = Ask(
      "completion/complete",
      R"({"ref":{"type":"ref/prompt","name":"test_prompt_with_arguments"},"argument":{"name":"arg1","value":"par"}})");
  const auto& values = doc["result"]["completion"]["values"];
  ASSERT_EQ(values.Size(), 3u);
  EXPECT_STREQ(values[0].GetString(), "paris");
}

TEST(UriTemplate, MatchesSegmentsOnly) {
  std::map<std::string, std::string> vars;
  EXPECT_TRUE(protocol::MatchUriTemplate("a://x/{id}/data", "a://x/7/data", &vars));
  EXPECT_EQ(vars["id"], "7");
  EXPECT_FALSE(protocol::MatchUriTemplate("a://x/{id}/data", "a://x/7/8/data", &vars));
  EXPECT_FALSE(protocol::MatchUriTemplate("a://x/{id}/data", "a://x//data", &vars));
  EXPECT_FALSE(protocol::MatchUriTemplate("a://x/{id}", "a://y/1", &vars));
}

}  // namespace
}  // namespace gw::catalog

namespace gw::catalog {
namespace {

// Records every message with whether it was tied to a request.
class AllMessages : public protocol::Outbox {
 public:
  void Send(std::string message, std::string_view related, bool) override {
    if (!message.empty()) sent.push_back({std::move(message), std::string(related)});
  }
  std::vector<std::pair<std::string, std::string>> sent;
};

TEST(CatalogNotifications, ResourceUpdatesGoToSubscribersAndListChangesToAll) {
  Catalog catalog{CatalogOptions{}};
  ASSERT_TRUE(AddConformancePack(catalog));
  auto a_out = std::make_shared<AllMessages>();
  auto b_out = std::make_shared<AllMessages>();
  protocol::ServerSession a("a", catalog, a_out), b("b", catalog, b_out);
  for (auto* s : {&a, &b}) {
    s->ReceiveText(
        R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})");
    s->ReceiveText(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
  }
  a.ReceiveText(
      R"({"jsonrpc":"2.0","id":2,"method":"resources/subscribe","params":{"uri":"test://watched-resource"}})");
  size_t a_before = a_out->sent.size(), b_before = b_out->sent.size();
  catalog.NotifyResourceUpdated("test://watched-resource");
  ASSERT_EQ(a_out->sent.size(), a_before + 1);
  EXPECT_EQ(
      a_out->sent.back().first,
      R"({"jsonrpc":"2.0","method":"notifications/resources/updated","params":{"uri":"test://watched-resource"}})");
  EXPECT_EQ(a_out->sent.back().second, "");  // not tied to a request: the standalone stream
  EXPECT_EQ(b_out->sent.size(), b_before);

  catalog.NotifyListChanged("tools");
  EXPECT_EQ(a_out->sent.back().first,
            R"({"jsonrpc":"2.0","method":"notifications/tools/list_changed"})");
  EXPECT_EQ(b_out->sent.back().first,
            R"({"jsonrpc":"2.0","method":"notifications/tools/list_changed"})");

  a.ReceiveText(
      R"({"jsonrpc":"2.0","id":3,"method":"resources/unsubscribe","params":{"uri":"test://watched-resource"}})");
  a_before = a_out->sent.size();
  catalog.NotifyResourceUpdated("test://watched-resource");
  EXPECT_EQ(a_out->sent.size(), a_before);

  b.Close();  // a closed session is forgotten
  b_before = b_out->sent.size();
  catalog.NotifyListChanged("prompts");
  EXPECT_EQ(b_out->sent.size(), b_before);
}

}  // namespace
}  // namespace gw::catalog
