// QueueDrain against the memory queue and a FAKE Upstream (a test double that records the
// requests it is given and lets the test answer them), with a FakeClock: delivery order,
// outcomes, backoff, dead letters, and the idempotency key on the wire. No sleeping: the
// io_context runs until it has nothing left to do.
#include "gw/tasks/queue_drain.h"

#include <gtest/gtest.h>

#include "gw/protocol/json.h"
#include "gw/queue/memory/memory_queue.h"
#include "gw/testing/fake_clock.h"
#include "gw/testing/fake_random.h"

namespace gw::tasks {
namespace {

using upstream::ForwardDone;
using upstream::UpstreamListener;
using upstream::UpstreamListing;

class FakeUpstream final : public Upstream {
 public:
  struct Sent {
    std::string method, params;
    ForwardDone done;
  };
  explicit FakeUpstream(std::string name) : name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  void Start(UpstreamListener*) override {}
  void Stop() override {}
  void Forward(const protocol::CallPtr& call, const upstream::ParamsEdit&, const std::string&,
               ForwardDone done) override {
    sent.push_back({call->method(), protocol::Serialize(call->params()), std::move(done)});
  }
  void Request(std::string method, std::string params, ForwardDone done) override {
    sent.push_back({std::move(method), std::move(params), std::move(done)});
  }
  std::shared_ptr<const UpstreamListing> listing() const override { return nullptr; }
  UpstreamState state() const override {
    return ready ? UpstreamState::kReady : UpstreamState::kBackoff;
  }
  resilience::BreakerState breaker_state() const override {
    return resilience::BreakerState::kClosed;
  }
  std::string Describe() const override { return name_; }

  bool ready = true;
  std::vector<Sent> sent;

 private:
  std::string name_;
};

protocol::Message Response(std::string_view json) {
  auto m = protocol::ParseMessage(json);
  EXPECT_TRUE(m);
  return std::move(*m);
}

class QueueDrainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    queue = queue::NewMemoryQueue({});
    QueueDrainOptions o;
    o.max_in_flight = 2;
    o.max_attempts = 2;
    drain = std::make_shared<QueueDrain>(io, *queue, o, clock, random);
    cloud = std::make_shared<FakeUpstream>("cloud");
    drain->Add(cloud);
    drain->SetListener([this](const queue::Record& r) { finished.push_back(r.task_id); });
  }
  void TearDown() override {
    cloud->sent.clear();  // unanswered deliveries hold the drain (as in-flight calls do)
    drain->Stop();
  }
  void Append(const std::string& task, queue::Priority p = queue::Priority::kNormal) {
    queue::Record r;
    r.task_id = task;
    r.idempotency_key = "key-" + task;
    r.upstream = "cloud";
    r.method = "tools/call";
    r.params = R"({"name":"work","arguments":{}})";
    r.priority = p;
    r.created_ms = clock.WallMillis();
    ASSERT_TRUE(queue->Append(r));
  }
  void RunIdle() {
    io.restart();
    io.run();
  }

  boost::asio::io_context io;
  testing::FakeClock clock;
  testing::FakeRandom random;
  queue::OfflineQueuePtr queue;
  std::shared_ptr<QueueDrain> drain;
  std::shared_ptr<FakeUpstream> cloud;
  std::vector<std::string> finished;
};

TEST_F(QueueDrainTest, DeliversInOrderAFewAtATimeWithTheIdempotencyKey) {
  Append("a", queue::Priority::kLow);
  Append("b");
  Append("c", queue::Priority::kHigh);
  drain->Kick("cloud");
  RunIdle();
  ASSERT_EQ(cloud->sent.size(), 2u);  // max_in_flight
  EXPECT_NE(cloud->sent[0].params.find(R"("io.edgegw/idempotency-key":"key-c")"), std::string::npos)
      << cloud->sent[0].params;
  EXPECT_NE(cloud->sent[1].params.find("key-b"), std::string::npos);
  cloud->sent[0].done(Response(R"({"jsonrpc":"2.0","id":1,"result":{"content":[]}})"));
  RunIdle();  // a slot freed: "a" goes out
  ASSERT_EQ(cloud->sent.size(), 3u);
  EXPECT_NE(cloud->sent[2].params.find("key-a"), std::string::npos);
  EXPECT_EQ(queue->GetByTask("c")->state, queue::RecordState::kDone);
  EXPECT_EQ(queue->GetByTask("c")->result, R"({"result":{"content":[]}})");
  EXPECT_EQ(finished, (std::vector<std::string>{"c"}));
}

TEST_F(QueueDrainTest, FailuresBackOffThenBecomeDeadLetters) {
  random.Queue(700);  // the jitter draw: 700 ms of the 1000 ms ceiling
  Append("a");
  drain->Kick("cloud");
  RunIdle();
  ASSERT_EQ(cloud->sent.size(), 1u);
  cloud->sent[0].done(Unavailable("upstream 'cloud': not connected"));
  RunIdle();
  auto r = queue->GetByTask("a");
  EXPECT_EQ(r->state, queue::RecordState::kQueued);
  EXPECT_EQ(r->last_error, "upstream 'cloud': not connected");
  EXPECT_EQ(r->next_attempt_ms, clock.WallMillis() + 700);
  clock.Advance(std::chrono::minutes(10));
  drain->Kick("cloud");
  RunIdle();
  ASSERT_EQ(cloud->sent.size(), 2u);
  cloud->sent[1].done(MakeError(Code::kAborted, "dropped mid-call"));
  RunIdle();
  EXPECT_EQ(queue->GetByTask("a")->state, queue::RecordState::kDead);
  EXPECT_NE(queue->GetByTask("a")->last_error.find("gave up after 2 attempts"), std::string::npos);
  EXPECT_EQ(finished, (std::vector<std::string>{"a"}));
}

TEST_F(QueueDrainTest, AnUpstreamErrorIsAnOutcomeAndNothingGoesToAnUnreadyUpstream) {
  cloud->ready = false;
  Append("a");
  drain->Kick("cloud");
  RunIdle();
  EXPECT_TRUE(cloud->sent.empty());
  cloud->ready = true;
  drain->Kick("cloud");
  RunIdle();
  ASSERT_EQ(cloud->sent.size(), 1u);
  cloud->sent[0].done(
      Response(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Unknown tool"}})"));
  RunIdle();
  EXPECT_EQ(queue->GetByTask("a")->state, queue::RecordState::kDone);
  EXPECT_EQ(queue->GetByTask("a")->result, R"({"error":{"code":-32602,"message":"Unknown tool"}})");
}

TEST_F(QueueDrainTest, AStaleWriteIsAConflictAndAnOlderOneIsSuperseded) {
  auto append = [&](const std::string& task, const std::string& pre, int64_t created_offset_ms,
                    queue::Priority p = queue::Priority::kNormal) {
    queue::Record r;
    r.task_id = task;
    r.idempotency_key = task;
    r.upstream = "cloud";
    r.method = "tools/call";
    r.params = R"({"name":"save","arguments":{}})";
    r.precondition = pre;
    r.priority = p;
    r.created_ms = clock.WallMillis() + created_offset_ms;
    ASSERT_TRUE(queue->Append(r));
  };
  const auto ok = R"({"jsonrpc":"2.0","id":1,"result":{"content":[]}})";
  // Two offline edits of doc-1, both made against version 1: the second one conflicts.
  append("a", R"({"key":"doc-1","version":1})", 0);
  append("b", R"({"key":"doc-1","version":1})", 1);
  drain->Kick("cloud");
  RunIdle();
  ASSERT_EQ(cloud->sent.size(), 1u);  // one write per key in flight; b waits its turn
  cloud->sent[0].done(Response(ok));
  RunIdle();
  clock.Advance(std::chrono::seconds(1));
  drain->Kick("cloud");
  RunIdle();
  auto b = queue->GetByTask("b");
  EXPECT_EQ(b->state, queue::RecordState::kDead);
  EXPECT_EQ(b->last_error,
            "conflict on 'doc-1': it is at version 2, this request was made against version 1");
  EXPECT_EQ(cloud->sent.size(), 1u);

  // Last writer wins on doc-2: the newer write goes first (high priority), the older one
  // is then superseded, never sent.
  append("new", R"({"key":"doc-2","policy":"last-writer-wins"})", 500, queue::Priority::kHigh);
  append("old", R"({"key":"doc-2","policy":"last-writer-wins"})", 100);
  drain->Kick("cloud");
  RunIdle();
  ASSERT_EQ(cloud->sent.size(), 2u);
  cloud->sent[1].done(Response(ok));
  RunIdle();
  clock.Advance(std::chrono::seconds(1));
  drain->Kick("cloud");
  RunIdle();
  auto old = queue->GetByTask("old");
  EXPECT_EQ(old->state, queue::RecordState::kCancelled);
  EXPECT_NE(old->last_error.find("superseded"), std::string::npos);
  EXPECT_EQ(cloud->sent.size(), 2u);
}

}  // namespace
}  // namespace gw::tasks
