#include <gtest/gtest.h>

#include "gw/resilience/circuit_breaker.h"
#include "gw/resilience/retry_policy.h"
#include "gw/testing/fake_clock.h"
#include "gw/testing/fake_random.h"

namespace gw::resilience {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RetryPolicy, RetriesOnlyWhatIsSafe) {
  RetryPolicy p;
  EXPECT_TRUE(p.ShouldRetry({FailureKind::kConnectRefused}, 1, false));
  EXPECT_TRUE(p.ShouldRetry({FailureKind::kResetBeforeSend}, 1, false));
  EXPECT_TRUE(p.ShouldRetry({FailureKind::kHttpUnavailable}, 1, false));
  EXPECT_TRUE(p.ShouldRetry({FailureKind::kHttpTooManyRequests, milliseconds(200)}, 1, false));
  // A call that may have run is retried only when idempotent.
  EXPECT_FALSE(p.ShouldRetry({FailureKind::kResetAfterSend}, 1, false));
  EXPECT_TRUE(p.ShouldRetry({FailureKind::kResetAfterSend}, 1, true));
  EXPECT_FALSE(p.ShouldRetry({FailureKind::kTimeout}, 1, false));
  EXPECT_FALSE(p.ShouldRetry({FailureKind::kHttpOtherError}, 1, true));
  EXPECT_FALSE(p.ShouldRetry({FailureKind::kProtocolError}, 1, true));
}

TEST(RetryPolicy, GivesUpAfterMaxAttemptsAndOnLongRetryAfter) {
  RetryPolicy p;
  p.max_attempts = 3;
  EXPECT_TRUE(p.ShouldRetry({FailureKind::kConnectRefused}, 2, false));
  EXPECT_FALSE(p.ShouldRetry({FailureKind::kConnectRefused}, 3, false));
  EXPECT_FALSE(p.ShouldRetry({FailureKind::kHttpTooManyRequests, seconds(120)}, 1, false));
}

TEST(RetryPolicy, FullJitterWithinAnExponentialCeiling) {
  RetryPolicy p;
  p.base_delay = milliseconds(100);
  p.max_delay = milliseconds(1000);
  testing::FakeRandom random;
  Failure f{FailureKind::kConnectRefused};
  random.Queue(~uint64_t{0});  // the largest draw: the ceiling itself (mod ceiling+1)
  EXPECT_LE(p.Delay(f, 1, random), milliseconds(100));
  random.Queue(400);
  EXPECT_EQ(p.Delay(f, 3, random), milliseconds(400));  // ceiling 400: 400 % 401
  random.Queue(0);
  EXPECT_EQ(p.Delay(f, 3, random), milliseconds(0));
  random.Queue(5000);
  EXPECT_EQ(p.Delay(f, 30, random), milliseconds(5000 % 1001));  // capped, no overflow
}

TEST(RetryPolicy, NeverWaitsLessThanRetryAfter) {
  RetryPolicy p;
  testing::FakeRandom random;
  random.Queue(0);
  EXPECT_EQ(p.Delay({FailureKind::kHttpTooManyRequests, milliseconds(1500)}, 1, random),
            milliseconds(1500));
}

TEST(RetryPolicy, IdempotentMethods) {
  EXPECT_TRUE(IsIdempotentMethod("tools/list"));
  EXPECT_TRUE(IsIdempotentMethod("resources/read"));
  EXPECT_FALSE(IsIdempotentMethod("tools/call"));
}

CircuitBreakerOptions SmallBreaker() {
  CircuitBreakerOptions o;
  o.window = 4;
  o.min_calls = 4;
  o.failure_ratio = 0.5;
  o.cool_down = seconds(10);
  o.half_open_probes = 1;
  return o;
}

TEST(CircuitBreaker, OpensAtTheFailureRatioOnceEnoughCallsAreKnown) {
  testing::FakeClock clock;
  CircuitBreaker b(SmallBreaker(), clock);
  b.RecordFailure();
  b.RecordFailure();
  b.RecordFailure();  // 3 of 3, but fewer than min_calls
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  b.RecordSuccess();                            // 3 of 4 failed
  EXPECT_EQ(b.state(), BreakerState::kClosed);  // success does not open it
  b.RecordFailure();  // window now F,S,F,F (oldest replaced): 3 of 4 -> open
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  EXPECT_FALSE(b.Allow());
  EXPECT_EQ(b.RetryIn(), seconds(10));
  EXPECT_EQ(b.open_count(), 1u);
}

TEST(CircuitBreaker, OldFailuresSlideOutOfTheWindow) {
  testing::FakeClock clock;
  CircuitBreakerOptions o = SmallBreaker();
  o.failure_ratio = 0.75;
  CircuitBreaker b(o, clock);
  for (int i = 0; i < 2; ++i) b.RecordFailure();
  for (int i = 0; i < 6; ++i) b.RecordSuccess();
  b.RecordFailure();
  b.RecordFailure();  // window S,S,F,F: 2 of 4 < 0.75
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  b.RecordFailure();  // S,F,F,F: 3 of 4 -> open
  EXPECT_EQ(b.state(), BreakerState::kOpen);
}

TEST(CircuitBreaker, HalfOpenProbeClosesOnSuccessAndReopensOnFailure) {
  testing::FakeClock clock;
  CircuitBreaker b(SmallBreaker(), clock);
  for (int i = 0; i < 4; ++i) b.RecordFailure();
  ASSERT_EQ(b.state(), BreakerState::kOpen);
  clock.Advance(seconds(9));
  EXPECT_FALSE(b.Allow());
  clock.Advance(seconds(1));
  EXPECT_EQ(b.state(), BreakerState::kHalfOpen);
  EXPECT_TRUE(b.Allow());   // the probe
  EXPECT_FALSE(b.Allow());  // only one
  b.RecordFailure();
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  EXPECT_EQ(b.open_count(), 2u);
  clock.Advance(seconds(10));
  EXPECT_TRUE(b.Allow());
  b.RecordSuccess();
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  // A fresh window: three failures are not enough to open again.
  for (int i = 0; i < 3; ++i) b.RecordFailure();
  EXPECT_EQ(b.state(), BreakerState::kClosed);
}

TEST(CircuitBreaker, StateNames) {
  EXPECT_EQ(BreakerStateName(BreakerState::kHalfOpen), "half_open");
}

}  // namespace
}  // namespace gw::resilience
