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
  EXPECT_EQ(c.error().message(),
            "edgegw.toml:3: http.listen_port: unknown key (see docs/configuration.md)");
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

TEST(Config, ReadsUpstreamsWithDefaultPrefixes) {
  auto c = ParseConfig(R"(
[[upstream]]
name = "cloud"
url = "https://mcp.example.com/mcp"
bearer_token_env = "CLOUD_TOKEN"
headers = { "X-Tenant" = "edge-1" }
idempotent_tools = ["search"]
[[upstream]]
name = "files"
command = ["node", "server.js"]
prefix = ""
env = { ROOT = "/srv" }
[[route]]
tool = "summarize"
chain = ["local", "cloud"]
)",
                       "u.toml");
  ASSERT_TRUE(c) << c.error().message();
  ASSERT_EQ(c->upstreams.size(), 2u);
  EXPECT_EQ(c->upstreams[0].prefix, "cloud__");
  EXPECT_EQ(c->upstreams[0].uri_prefix, "cloud+");
  EXPECT_EQ(c->upstreams[0].headers.at("X-Tenant"), "edge-1");
  EXPECT_EQ(c->upstreams[1].prefix, "");
  EXPECT_EQ(c->upstreams[1].uri_prefix, "");  // transparent
  EXPECT_EQ(c->upstreams[1].env.at("ROOT"), "/srv");
  ASSERT_EQ(c->routes.size(), 1u);
  EXPECT_EQ(c->routes[0].chain, (std::vector<std::string>{"local", "cloud"}));
}

TEST(Config, UpstreamErrorsNameTheLineAndTheProblem) {
  auto both =
      ParseConfig("[[upstream]]\nname = \"x\"\nurl = \"http://h/\"\ncommand = [\"a\"]\n", "b.toml");
  ASSERT_FALSE(both);
  EXPECT_NE(both.error().message().find("b.toml:1: upstream 'x': give exactly one of url"),
            std::string::npos)
      << both.error().message();
  auto name = ParseConfig("[[upstream]]\nname = \"a b\"\nurl = \"http://h/\"\n", "n.toml");
  ASSERT_FALSE(name);
  EXPECT_NE(name.error().message().find("upstream name 'a b'"), std::string::npos);
  auto url = ParseConfig("[[upstream]]\nname = \"a\"\nurl = \"ftp://h/\"\n", "u.toml");
  ASSERT_FALSE(url);
  EXPECT_NE(url.error().message().find("not an http:// or https:// URL"), std::string::npos);
  auto twice = ParseConfig(
      "[[upstream]]\nname = \"a\"\nurl = \"http://h/\"\n[[upstream]]\nname = \"a\"\nurl = "
      "\"http://g/\"\n",
      "t.toml");
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().message().find("used twice"), std::string::npos);
  auto key =
      ParseConfig("[[upstream]]\nname = \"a\"\nurl = \"http://h/\"\ntimeout = 3\n", "k.toml");
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().message().find("k.toml:4: upstream.timeout: unknown key"),
            std::string::npos)
      << key.error().message();
  auto route =
      ParseConfig("[[route]]\ntool = \"a\"\nprefix = \"b\"\nchain = [\"local\"]\n", "r.toml");
  ASSERT_FALSE(route);
  EXPECT_NE(route.error().message().find("exactly one of tool or prefix"), std::string::npos);
}

TEST(Config, UpstreamFlagWithAndWithoutName) {
  auto named = ParseUpstreamFlag("cloud=https://mcp.example.com/mcp", 1);
  ASSERT_TRUE(named);
  EXPECT_EQ(named->name, "cloud");
  EXPECT_EQ(named->prefix, "cloud__");
  auto bare = ParseUpstreamFlag("http://127.0.0.1:9000/mcp", 2);
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->name, "upstream2");
  EXPECT_EQ(bare->prefix, "");
  auto stdio = ParseUpstreamFlag("mem=stdio:node  server.js --flag", 1);
  ASSERT_TRUE(stdio);
  EXPECT_EQ(stdio->command, (std::vector<std::string>{"node", "server.js", "--flag"}));
  EXPECT_FALSE(ParseUpstreamFlag("x=stdio:", 1));
  EXPECT_FALSE(ParseUpstreamFlag("not a url", 1));
}

}  // namespace
}  // namespace gw::server

namespace gw::server {
namespace {

TEST(Config, ReadsModels) {
  auto c = ParseConfig(R"(
[models]
dir = "/opt/models"
files = ["a.gguf"]
memory_budget_mb = 256
threads = 2
context = 512
cache_entries = 0
sampling_model = "a"
)",
                       "edgegw.toml");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->models_dir, "/opt/models");
  EXPECT_EQ(c->model_files, std::vector<std::string>{"a.gguf"});
  EXPECT_EQ(c->models_memory_budget_mb, 256);
  EXPECT_EQ(c->models_threads, 2);
  EXPECT_EQ(c->models_context, 512);
  EXPECT_EQ(c->models_cache_entries, 0);
  EXPECT_EQ(c->sampling_model, "a");
  auto bad = ParseConfig("[models]\ncontext = 1\n", "edgegw.toml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("models.context"), std::string::npos)
      << bad.error().message();
}

}  // namespace
}  // namespace gw::server
