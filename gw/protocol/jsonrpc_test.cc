#include "gw/protocol/jsonrpc.h"

#include <gtest/gtest.h>

namespace gw::protocol {
namespace {

TEST(ParseMessage, ClassifiesRequestsNotificationsAndResponses) {
  auto req = ParseMessage(R"({"jsonrpc":"2.0","id":7,"method":"ping"})");
  ASSERT_TRUE(req);
  EXPECT_TRUE(req->is_request());
  EXPECT_EQ(req->id(), "7");
  EXPECT_EQ(req->method(), "ping");

  auto note = ParseMessage(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  ASSERT_TRUE(note);
  EXPECT_TRUE(note->is_notification());

  auto res = ParseMessage(R"({"jsonrpc":"2.0","id":"a","result":{"x":1}})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->kind(), MessageKind::kResult);
  EXPECT_EQ(res->id(), "\"a\"");
  EXPECT_TRUE(res->result().IsObject());

  auto err = ParseMessage(R"({"jsonrpc":"2.0","id":3,"error":{"code":-1,"message":"m"}})");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind(), MessageKind::kError);
}

TEST(ParseMessage, MalformedJsonIsParseError) {
  auto m = ParseMessage(R"({"jsonrpc":"2.0", "id":1, "method":)");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, rpc::kParseError);
  EXPECT_NE(m.error().message.find("offset"), std::string::npos);
}

TEST(ParseMessage, NumbersPastTheDoubleRangeAreParseErrors) {
  // RapidJSON reads these as infinity; JSON has no such number, and it could not be written
  // back (found by the jsonrpc_parser fuzzer).
  std::string huge = "1" + std::string(120, '0') + ".0e282";
  for (std::string number : {huge, "-" + huge}) {
    auto r = ParseMessage(R"({"jsonrpc":"2.0","id":1,"result":{"x":)" + number + "}}");
    ASSERT_FALSE(r.has_value()) << number;
    EXPECT_EQ(r.error().code, rpc::kParseError);
    EXPECT_FALSE(ParseJson("[" + number + "]").has_value());
  }
  EXPECT_TRUE(ParseMessage(R"({"jsonrpc":"2.0","id":1,"result":{"x":1.7e308}})").has_value());
}

TEST(ParseMessage, WrongVersionIsInvalidRequestWithId) {
  auto m = ParseMessage(R"({"jsonrpc":"1.0","id":5,"method":"ping"})");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, rpc::kInvalidRequest);
  EXPECT_EQ(m.error().id, "5");
}

TEST(ParseMessage, RejectsBatchesScalarsAndBadShapes) {
  EXPECT_EQ(ParseMessage("[]").error().code, rpc::kInvalidRequest);
  EXPECT_EQ(ParseMessage("42").error().code, rpc::kInvalidRequest);
  EXPECT_EQ(ParseMessage(R"({"jsonrpc":"2.0","id":1,"method":5})").error().code,
            rpc::kInvalidRequest);
  EXPECT_EQ(ParseMessage(R"({"jsonrpc":"2.0","id":1,"method":"m","params":"x"})").error().code,
            rpc::kInvalidRequest);
  EXPECT_EQ(ParseMessage(R"({"jsonrpc":"2.0","id":{},"method":"m"})").error().code,
            rpc::kInvalidRequest);
  EXPECT_EQ(ParseMessage(R"({"jsonrpc":"2.0","id":1})").error().code, rpc::kInvalidRequest);
}

TEST(Builders, ProduceValidJsonRpc) {
  EXPECT_EQ(MakeResult("1", R"({"a":1})"), R"({"jsonrpc":"2.0","id":1,"result":{"a":1}})");
  EXPECT_EQ(MakeNotification("n", ""), R"({"jsonrpc":"2.0","method":"n"})");
  EXPECT_EQ(MakeErrorResponse("\"x\"", -32601, "nope"),
            R"({"jsonrpc":"2.0","id":"x","error":{"code":-32601,"message":"nope"}})");
  auto round = ParseMessage(MakeRequest("9", "tools/list", R"({"cursor":"c"})"));
  ASSERT_TRUE(round);
  EXPECT_EQ(*StringMember(round->params(), "cursor"), "c");
}

}  // namespace
}  // namespace gw::protocol
