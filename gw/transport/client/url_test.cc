#include "gw/transport/client/url.h"

#include <gtest/gtest.h>

namespace gw::transport {
namespace {

TEST(Url, ParsesHttpAndHttpsWithDefaults) {
  auto u = ParseUrl("http://127.0.0.1:8787/mcp");
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8787);
  EXPECT_EQ(u->target, "/mcp");
  EXPECT_EQ(u->HostHeader(), "127.0.0.1:8787");
  auto s = ParseUrl("https://mcp.example.com");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->tls);
  EXPECT_EQ(s->port, 443);
  EXPECT_EQ(s->target, "/");
  EXPECT_EQ(s->HostHeader(), "mcp.example.com");
  auto q = ParseUrl("http://[::1]:9000?x=1");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->host, "::1");
  EXPECT_EQ(q->target, "/?x=1");
  EXPECT_EQ(q->HostHeader(), "[::1]:9000");
}

TEST(Url, RefusesWhatItCannotUseWithAReason) {
  for (const char* bad : {"ftp://x/", "http://", "http://:80/", "http://h:99999/", "http://h:x/",
                          "http://u:p@h/", "http://h/#frag", "http://[::1/", "http://h:/"}) {
    auto u = ParseUrl(bad);
    EXPECT_FALSE(u) << bad;
    if (!u) {
      EXPECT_EQ(u.error().code(), Code::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace gw::transport
