#include "gw/transport/http/request_guard.h"

#include <gtest/gtest.h>

namespace gw::transport {
namespace {

TEST(RequestGuard, LoopbackOriginsPassForeignOnesDoNot) {
  RequestGuardOptions o;
  EXPECT_FALSE(CheckOrigin("", o));
  EXPECT_FALSE(CheckOrigin("http://localhost:6274", o));
  EXPECT_FALSE(CheckOrigin("http://127.0.0.1", o));
  EXPECT_FALSE(CheckOrigin("https://[::1]:8443", o));
  EXPECT_TRUE(CheckOrigin("https://evil.example", o));
  EXPECT_TRUE(CheckOrigin("http://localhost.evil.example", o));
  EXPECT_TRUE(CheckOrigin("null", o));
}

TEST(RequestGuard, ConfiguredOriginsReplaceTheDefault) {
  RequestGuardOptions o;
  o.allowed_origins = {"https://app.example"};
  EXPECT_FALSE(CheckOrigin("https://APP.example", o));
  EXPECT_TRUE(CheckOrigin("http://localhost", o));
}

TEST(RequestGuard, HostMustBeLoopbackWhenBoundToLoopback) {
  RequestGuardOptions o;
  EXPECT_FALSE(CheckHost("127.0.0.1:8787", o));
  EXPECT_FALSE(CheckHost("localhost", o));
  EXPECT_FALSE(CheckHost("[::1]:8787", o));
  EXPECT_TRUE(CheckHost("attacker.example:8787", o));
  o.loopback_only = false;
  EXPECT_FALSE(CheckHost("gateway.lan:8787", o));
  o.allowed_hosts = {"gateway.lan"};
  EXPECT_FALSE(CheckHost("gateway.lan:8787", o));
  EXPECT_TRUE(CheckHost("other.lan", o));
}

TEST(RequestGuard, AcceptNegotiation) {
  EXPECT_TRUE(AcceptsJson("application/json, text/event-stream"));
  EXPECT_TRUE(AcceptsEventStream("application/json, text/event-stream"));
  EXPECT_TRUE(AcceptsJson("*/*"));
  EXPECT_TRUE(AcceptsEventStream("text/*;q=0.5"));
  EXPECT_FALSE(AcceptsEventStream("application/json"));
  EXPECT_FALSE(AcceptsJson(""));
}

}  // namespace
}  // namespace gw::transport
