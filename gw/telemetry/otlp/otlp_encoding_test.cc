#include "gw/telemetry/otlp/otlp_encoding.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>
#include <vector>

namespace gw::telemetry {
namespace {

Span Example() {
  Span s;
  auto tp = ParseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  s.trace_id = tp->trace_id;
  s.span_id = tp->span_id;
  s.parent_span_id =
      ParseTraceparent("00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01")->span_id;
  s.name = "tools/call echo";
  s.kind = SpanKind::kServer;
  s.start_unix_ns = 1700000000000000000;
  s.end_unix_ns = 1700000000000500000;
  s.Attr("mcp.method.name", "tools/call").Attr("edgegw.attempts", int64_t{3});
  s.error = true;
  s.status_message = "boom";
  return s;
}

OtlpResource Resource() { return {"edge-1", "1.2.3", {{"deployment.environment", "lab"}}}; }

TEST(OtlpEncoding, JsonAsOtlpJsonSaysIt) {
  OtlpEncoder e(OtlpProtocol::kJson, Resource());
  std::string a, b;
  e.AppendSpan(Example(), a);
  e.AppendSpan(Example(), a);  // two spans in one piece
  e.AppendSpan(Example(), b);
  const std::vector<std::string_view> pieces{a, b};
  rapidjson::Document d;
  d.Parse(e.Body(pieces).c_str());
  ASSERT_FALSE(d.HasParseError());
  const auto& rs = d["resourceSpans"][0];
  EXPECT_STREQ(rs["resource"]["attributes"][0]["key"].GetString(), "service.name");
  EXPECT_STREQ(rs["resource"]["attributes"][0]["value"]["stringValue"].GetString(), "edge-1");
  EXPECT_STREQ(rs["resource"]["attributes"][2]["key"].GetString(), "deployment.environment");
  ASSERT_EQ(rs["scopeSpans"][0]["spans"].Size(), 3u);
  const auto& span = rs["scopeSpans"][0]["spans"][2];
  EXPECT_STREQ(span["traceId"].GetString(), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_STREQ(span["parentSpanId"].GetString(), "00f067aa0ba902b7");
  EXPECT_EQ(span["kind"].GetInt(), 2);
  EXPECT_STREQ(span["startTimeUnixNano"].GetString(), "1700000000000000000");
  EXPECT_STREQ(span["attributes"][1]["value"]["intValue"].GetString(), "3");
  EXPECT_EQ(span["status"]["code"].GetInt(), 2);
  EXPECT_STREQ(span["status"]["message"].GetString(), "boom");
  EXPECT_EQ(e.content_type(), "application/json");
}

// A minimal protobuf reader for the test: the fields of one message, by number.
struct Field {
  uint64_t number = 0;     // a varint or fixed64
  std::string_view bytes;  // a length-delimited field
};
std::multimap<uint32_t, Field> Fields(std::string_view m) {
  std::multimap<uint32_t, Field> out;
  size_t i = 0;
  auto varint = [&] {
    uint64_t v = 0;
    for (int shift = 0; i < m.size(); shift += 7) {
      const auto b = static_cast<uint8_t>(m[i++]);
      v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) break;
    }
    return v;
  };
  while (i < m.size()) {
    const uint64_t tag = varint();
    Field f;
    switch (tag & 7) {
      case 0:
        f.number = varint();
        break;
      case 1:
        for (int k = 0; k < 8; ++k) f.number |= uint64_t{static_cast<uint8_t>(m[i + k])} << (8 * k);
        i += 8;
        break;
      case 2: {
        const size_t n = varint();
        f.bytes = m.substr(i, n);
        i += n;
        break;
      }
      default:
        ADD_FAILURE() << "unexpected wire type " << (tag & 7);
        return out;
    }
    out.emplace(static_cast<uint32_t>(tag >> 3), f);
  }
  EXPECT_EQ(i, m.size());
  return out;
}

TEST(OtlpEncoding, ProtobufFollowsTheOtlpFieldNumbers) {
  OtlpEncoder e(OtlpProtocol::kProtobuf, Resource());
  std::string a, b;
  e.AppendSpan(Example(), a);
  e.AppendSpan(Example(), b);
  const std::vector<std::string_view> pieces{a, b};
  const std::string body = e.Body(pieces);
  EXPECT_EQ(e.content_type(), "application/x-protobuf");

  auto request = Fields(body);  // ExportTraceServiceRequest
  ASSERT_EQ(request.count(1), 1u);
  auto resource_spans = Fields(request.find(1)->second.bytes);
  auto resource = Fields(resource_spans.find(1)->second.bytes);
  ASSERT_EQ(resource.count(1), 3u);  // service.name, service.version, deployment.environment
  auto first = Fields(resource.find(1)->second.bytes);
  EXPECT_EQ(first.find(1)->second.bytes, "service.name");
  EXPECT_EQ(Fields(first.find(2)->second.bytes).find(1)->second.bytes, "edge-1");

  auto scope_spans = Fields(resource_spans.find(2)->second.bytes);
  EXPECT_EQ(Fields(scope_spans.find(1)->second.bytes).find(1)->second.bytes, "edgegw");
  ASSERT_EQ(scope_spans.count(2), 2u);
  auto span = Fields(scope_spans.find(2)->second.bytes);
  const Span x = Example();
  EXPECT_EQ(span.find(1)->second.bytes,
            std::string_view(reinterpret_cast<const char*>(x.trace_id.bytes.data()), 16));
  EXPECT_EQ(span.find(2)->second.bytes.size(), 8u);
  EXPECT_EQ(span.find(4)->second.bytes.size(), 8u);
  EXPECT_EQ(span.find(5)->second.bytes, "tools/call echo");
  EXPECT_EQ(span.find(6)->second.number, 2u);
  EXPECT_EQ(span.find(7)->second.number, 1700000000000000000u);
  EXPECT_EQ(span.find(8)->second.number, 1700000000000500000u);
  ASSERT_EQ(span.count(9), 2u);
  auto attempts = Fields(std::next(span.find(9))->second.bytes);
  EXPECT_EQ(attempts.find(1)->second.bytes, "edgegw.attempts");
  EXPECT_EQ(Fields(attempts.find(2)->second.bytes).find(3)->second.number, 3u);
  auto status = Fields(span.find(15)->second.bytes);
  EXPECT_EQ(status.find(2)->second.bytes, "boom");
  EXPECT_EQ(status.find(3)->second.number, 2u);
}

TEST(OtlpEncoding, AttributesPastTheLimitAreCounted) {
  Span s = Example();
  for (int i = 0; i < 20; ++i) s.Attr("k", int64_t{i});
  EXPECT_EQ(s.attributes().size(), Span::kMaxAttributes);
  EXPECT_EQ(s.dropped_attributes, 20u + 2u - Span::kMaxAttributes);
  OtlpEncoder e(OtlpProtocol::kProtobuf, Resource());
  std::string piece;
  e.AppendSpan(s, piece);
  auto span = Fields(Fields(piece).find(2)->second.bytes);
  EXPECT_EQ(span.find(10)->second.number, s.dropped_attributes);
}

TEST(OtlpEncoding, OnlyTheHttpProtocolsAreAccepted) {
  EXPECT_EQ(*ParseOtlpProtocol("http/protobuf"), OtlpProtocol::kProtobuf);
  EXPECT_EQ(*ParseOtlpProtocol("http/json"), OtlpProtocol::kJson);
  EXPECT_FALSE(ParseOtlpProtocol("grpc"));
}

}  // namespace
}  // namespace gw::telemetry
