#include "gw/server/config.h"

#include <gtest/gtest.h>

namespace gw::server {
namespace {

TEST(Config, DefaultsWhenEmpty) {
  auto c = ParseConfig("", "empty.toml");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->http_host, "127.0.0.1");
  EXPECT_EQ(c->http_port, 8787);
  EXPECT_EQ(c->packs, (std::vector<std::string>{"core", "device"}));
}

TEST(Config, ReadsKnownKeys) {
  auto c = ParseConfig(R"(
[server]
log_level = "debug"
[http]
listen = "0.0.0.0:9000"
allowed_origins = ["https://app.example"]
[catalog]
packs = ["device", "conformance"]
)",
                       "edgegw.toml");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->http_host, "0.0.0.0");
  EXPECT_EQ(c->http_port, 9000);
  EXPECT_EQ(c->log_level, LogLevel::kDebug);
  EXPECT_EQ(c->packs.size(), 2u);  // replaces the default list
}

TEST(Config, UnknownKeyNamesKeyAndLine) {
  auto c = ParseConfig("[http]\nlisten = \"127.0.0.1:1\"\nlisten_port = 3\n", "edgegw.toml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message(), "edgegw.toml:3: http.listen_port: unknown key (see docs/configuration.md)");
}

TEST(Config, WrongTypeAndRangeAndSyntax) {
  auto t = ParseConfig("[http]\nmax_sessions = \"many\"\n", "a.toml");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().message(), "a.toml:2: http.max_sessions: expected an integer");
  auto r = ParseConfig("[http]\nmax_sessions = 0\n", "a.toml");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("must be between 1 and"), std::string::npos);
  auto s = ParseConfig("[http\n", "a.toml");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message().rfind("a.toml:1: ", 0), 0u) << s.error().message();
  auto l = ParseConfig("[http]\n\nlisten = \"nope\"\n", "a.toml");
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().message().rfind("a.toml:3: http.listen: expected HOST:PORT", 0), 0u)
      << l.error().message();
  auto p = ParseConfig("[catalog]\npacks = [\"magic\"]\n", "a.toml");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message().find("unknown pack 'magic'"), std::string::npos);
}

TEST(ListenAddress, ParsesForms) {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  ASSERT_TRUE(ParseListenAddress(":9", &host, &port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 9);
  ASSERT_TRUE(ParseListenAddress("[::1]:80", &host, &port));
  EXPECT_EQ(host, "::1");
  EXPECT_FALSE(ParseListenAddress("host:99999", &host, &port));
  EXPECT_FALSE(ParseListenAddress("host", &host, &port));
}

}  // namespace
}  // namespace gw::server
