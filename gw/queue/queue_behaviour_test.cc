// The backend-agnostic behaviour of OfflineQueue (see queue_test_suite.h).
#include "gw/queue/queue_test_suite.h"

namespace gw::queue::behaviour {
namespace {

TEST_P(QueueBehaviour, DeliversByPriorityThenArrivalPerUpstream) {
  auto q = Make();
  ASSERT_TRUE(q->Append(MakeRecord("a", "cloud", Priority::kLow)));
  ASSERT_TRUE(q->Append(MakeRecord("b", "cloud", Priority::kNormal)));
  ASSERT_TRUE(q->Append(MakeRecord("c", "other", Priority::kHigh)));
  ASSERT_TRUE(q->Append(MakeRecord("d", "cloud", Priority::kHigh)));
  ASSERT_TRUE(q->Append(MakeRecord("e", "cloud", Priority::kNormal)));
  auto due = q->TakeDue("cloud", 2000, 10);
  ASSERT_TRUE(due);
  std::vector<std::string> order;
  for (const Record& r : *due) order.push_back(r.task_id);
  EXPECT_EQ(order, (std::vector<std::string>{"d", "b", "e", "a"}));
  for (const Record& r : *due) {
    EXPECT_EQ(r.state, RecordState::kDelivering);
    EXPECT_EQ(r.attempts, 1u);
  }
  EXPECT_TRUE(q->TakeDue("cloud", 2000, 10)->empty());  // all in flight now
}

TEST_P(QueueBehaviour, ARepeatedIdempotencyKeyIsNotQueuedTwice) {
  auto q = Make();
  auto first = q->Append(MakeRecord("t1", "cloud", Priority::kNormal, "key-1"));
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->duplicate);
  auto again = q->Append(MakeRecord("t2", "cloud", Priority::kNormal, "key-1"));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->record.task_id, "t1");
  EXPECT_EQ(q->TakeDue("cloud", 2000, 10)->size(), 1u);
}

TEST_P(QueueBehaviour, BudgetsRefuseNewWorkAndFreeOnCompletion) {
  auto q = Make(QueueLimits{2, 1 << 20});
  auto a = q->Append(MakeRecord("a"));
  ASSERT_TRUE(a);
  ASSERT_TRUE(q->Append(MakeRecord("b")));
  auto full = q->Append(MakeRecord("c"));
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code(), Code::kResourceExhausted);
  EXPECT_NE(full.error().message().find("offline queue is full"), std::string::npos);
  auto due = q->TakeDue("cloud", 2000, 1);
  ASSERT_EQ(due->size(), 1u);
  ASSERT_TRUE(q->Complete(due->front().seq, R"({"content":[]})"));
  EXPECT_TRUE(q->Append(MakeRecord("c")));
  auto small = Make(QueueLimits{100, 200});
  auto big = MakeRecord("big");
  big.params = std::string(500, 'x');
  EXPECT_EQ(small->Append(big).error().code(), Code::kResourceExhausted);
}

TEST_P(QueueBehaviour, BackoffExpiryDeadLettersAndRetry) {
  auto q = Make();
  auto a = q->Append(MakeRecord("a"));
  auto b = MakeRecord("b");
  b.expires_ms = 1500;
  ASSERT_TRUE(q->Append(b));
  auto due = q->TakeDue("cloud", 2000, 10);
  ASSERT_EQ(due->size(), 1u);  // b expired on the way
  EXPECT_EQ(q->GetByTask("b")->state, RecordState::kExpired);
  ASSERT_TRUE(q->Reschedule(a->record.seq, 5000, "HTTP 503"));
  EXPECT_TRUE(q->TakeDue("cloud", 4999, 10)->empty());
  due = q->TakeDue("cloud", 5000, 10);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ(due->front().attempts, 2u);
  ASSERT_TRUE(q->DeadLetter(a->record.seq, "gave up after 2 attempts"));
  EXPECT_EQ(q->Stats().dead, 1u);
  EXPECT_EQ(q->Retry(a->record.seq).has_value(), true);
  auto again = q->TakeDue("cloud", 5000, 10);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ(again->front().attempts, 1u);
  ASSERT_TRUE(q->Complete(a->record.seq, R"({"ok":true})"));
  EXPECT_EQ(q->GetByTask("a")->result, R"({"ok":true})");
  EXPECT_FALSE(q->Retry(a->record.seq));  // only dead letters
}

TEST_P(QueueBehaviour, CancelAndRequeueAfterACrash) {
  auto q = Make();
  auto a = q->Append(MakeRecord("a"));
  auto b = q->Append(MakeRecord("b"));
  ASSERT_TRUE(q->Cancel(b->record.seq));
  EXPECT_EQ(q->Cancel(b->record.seq).error().code(), Code::kFailedPrecondition);
  ASSERT_EQ(q->TakeDue("cloud", 2000, 10)->size(), 1u);
  EXPECT_EQ(*q->RequeueInFlight(), 1u);  // delivering -> queued: the outcome was lost
  EXPECT_EQ(q->TakeDue("cloud", 2000, 10)->size(), 1u);
  EXPECT_EQ(q->GetByTask("nope").error().code(), Code::kNotFound);
  EXPECT_EQ(q->Get(999).error().code(), Code::kNotFound);
}

TEST_P(QueueBehaviour, ListsPurgesAndCounts) {
  auto q = Make();
  for (const char* t : {"a", "b", "c"}) ASSERT_TRUE(q->Append(MakeRecord(t)));
  ASSERT_TRUE(q->Append(MakeRecord("h", "cloud", Priority::kHigh)));
  QueueStats s = q->Stats();
  EXPECT_EQ(s.queued[0], 1u);
  EXPECT_EQ(s.queued[1], 3u);
  EXPECT_EQ(s.oldest_queued_ms, 1000);
  auto due = q->TakeDue("cloud", 2000, 2);
  ASSERT_TRUE(q->Complete((*due)[0].seq, "{}"));
  ASSERT_TRUE(q->DeadLetter((*due)[1].seq, "no"));
  ListFilter dead;
  dead.state = RecordState::kDead;
  EXPECT_EQ(q->List(dead)->size(), 1u);
  ListFilter page;
  page.limit = 2;
  auto first = q->List(page);
  ASSERT_EQ(first->size(), 2u);
  page.after_seq = first->back().seq;
  EXPECT_EQ(q->List(page)->size(), 2u);
  EXPECT_EQ(*q->Purge(ListFilter{}), 2u);  // the done one and the dead one
  EXPECT_EQ(q->List(ListFilter{})->size(), 2u);
  EXPECT_FALSE(q->Append(Record{}));  // no task id, upstream or method
}

}  // namespace
}  // namespace gw::queue::behaviour
