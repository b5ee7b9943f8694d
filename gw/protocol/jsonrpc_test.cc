#include "gw/protocol/jsonrpc.h"

#include <gtest/gtest.h>

#include <limits>

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

TEST(Json, NonFiniteNumbersAreFoundAtAnyWidthAndDepth) {
  // Past the walk's inline stack both ways: 200 members, then a value nested 200 deep.
  JsonDocument wide;
  wide.SetObject();
  auto& a = wide.GetAllocator();
  for (int i = 0; i < 200; ++i) {
    JsonValue key(("k" + std::to_string(i)).c_str(), a);
    wide.AddMember(key, JsonValue(i), a);
  }
  EXPECT_FALSE(HasNonFiniteNumber(wide));
  wide["k150"].SetDouble(std::numeric_limits<double>::infinity());
  EXPECT_TRUE(HasNonFiniteNumber(wide));

  JsonDocument deep;
  deep.SetArray();
  JsonValue* at = &deep;
  for (int i = 0; i < 200; ++i) {
    at->PushBack(JsonValue(rapidjson::kArrayType), deep.GetAllocator());
    at = &(*at)[at->Size() - 1];
  }
  at->PushBack(JsonValue(1.5), deep.GetAllocator());
  EXPECT_FALSE(HasNonFiniteNumber(deep));
  (*at)[0].SetDouble(-std::numeric_limits<double>::infinity());
  EXPECT_TRUE(HasNonFiniteNumber(deep));
}

}  // namespace
}  // namespace gw::protocol
