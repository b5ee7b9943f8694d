#include <gtest/gtest.h>

#include "gw/queue/memory/memory_queue.h"
#include "gw/queue/queue_test_suite.h"
#include "gw/queue/record_codec.h"

namespace gw::queue {
namespace {

using behaviour::QueueBehaviour;
INSTANTIATE_TEST_SUITE_P(Memory, QueueBehaviour,
                         ::testing::Values(behaviour::QueueFactory([](const QueueLimits& limits) {
                           return NewMemoryQueue(MemoryQueueOptions{limits});
                         })));

Record Sample() {
  Record r = behaviour::MakeRecord("task-1", "cloud", Priority::kLow, "key-9");
  r.seq = 300;
  r.state = RecordState::kDead;
  r.attempts = 7;
  r.expires_ms = -1;  // negative values survive the zigzag encoding
  r.next_attempt_ms = 1234567890123;
  r.precondition = R"({"version":3})";
  r.result = R"({"content":[{"type":"text","text":"\u00e9"}]})";
  r.last_error = "HTTP 503";
  r.owner = "session:abc";
  return r;
}

TEST(RecordCodec, RoundTripsEveryField) {
  Record r = Sample();
  auto back = DecodeRecord(EncodeRecord(r));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->seq, r.seq);
  EXPECT_EQ(back->task_id, r.task_id);
  EXPECT_EQ(back->idempotency_key, r.idempotency_key);
  EXPECT_EQ(back->priority, r.priority);
  EXPECT_EQ(back->state, r.state);
  EXPECT_EQ(back->attempts, r.attempts);
  EXPECT_EQ(back->expires_ms, r.expires_ms);
  EXPECT_EQ(back->next_attempt_ms, r.next_attempt_ms);
  EXPECT_EQ(back->precondition, r.precondition);
  EXPECT_EQ(back->result, r.result);
  EXPECT_EQ(back->last_error, r.last_error);
  EXPECT_EQ(back->owner, r.owner);
}

TEST(RecordCodec, AVersionOneRecordStillReadsWithoutAnOwner) {
  // Version 1 is version 2 without the trailing owner: rebuild one from a record whose owner
  // is empty (its last byte is the owner's zero length).
  Record r = Sample();
  r.owner.clear();
  std::string v2 = EncodeRecord(r);
  std::string body = v2.substr(12, v2.size() - 12 - 1);
  body[0] = 1;  // the version byte
  std::string v1 = v2.substr(0, 4);
  for (uint32_t x : {static_cast<uint32_t>(body.size()), Crc32c(body)}) {
    for (int i = 0; i < 4; ++i) v1.push_back(static_cast<char>((x >> (8 * i)) & 0xff));
  }
  v1 += body;
  auto back = DecodeRecord(v1);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->task_id, r.task_id);
  EXPECT_EQ(back->last_error, r.last_error);
  EXPECT_TRUE(back->owner.empty());
  // A version 2 body cut before its owner is refused, not read as version 1.
  std::string cut = v2.substr(0, 4);
  std::string cut_body = v2.substr(12, v2.size() - 12 - 1);
  for (uint32_t x : {static_cast<uint32_t>(cut_body.size()), Crc32c(cut_body)}) {
    for (int i = 0; i < 4; ++i) cut.push_back(static_cast<char>((x >> (8 * i)) & 0xff));
  }
  EXPECT_FALSE(DecodeRecord(cut + cut_body));
}

TEST(RecordCodec, EveryCorruptionIsDataLossWithAReason) {
  std::string good = EncodeRecord(Sample());
  auto why = [](std::string bytes) {
    auto r = DecodeRecord(bytes);
    EXPECT_FALSE(r);
    if (r) return std::string();
    EXPECT_EQ(r.error().code(), Code::kDataLoss);
    return r.error().message();
  };
  EXPECT_NE(why(good.substr(0, 5)).find("shorter than its header"), std::string::npos);
  EXPECT_NE(why("XXXX" + good.substr(4)).find("wrong magic"), std::string::npos);
  EXPECT_NE(why(good.substr(0, good.size() - 1)).find("length says"), std::string::npos);
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x40;
  EXPECT_NE(why(flipped).find("checksum mismatch"), std::string::npos);
  // Every single-byte change and every truncation is caught, never a crash.
  for (size_t i = 0; i < good.size(); ++i) {
    std::string b = good;
    b[i] ^= 0x01;
    EXPECT_FALSE(DecodeRecord(b)) << i;
    EXPECT_FALSE(DecodeRecord(good.substr(0, i))) << i;
  }
}

TEST(RecordCodec, Crc32cMatchesTheKnownCheckValue) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);  // RFC 3720 check value
}

}  // namespace
}  // namespace gw::queue

namespace gw::queue {
namespace {

Record At(int64_t created_ms) {
  Record r = behaviour::MakeRecord("t");
  r.created_ms = created_ms;
  return r;
}

TEST(Conflicts, ParsesPreconditionsAndRefusesBadOnes) {
  std::string error;
  auto p = ParsePrecondition(R"({"key":"doc-42","version":3,"policy":"last-writer-wins"})", &error);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->key, "doc-42");
  EXPECT_EQ(p->version, 3);
  EXPECT_EQ(p->policy, ConflictPolicy::kLastWriterWins);
  EXPECT_FALSE(ParsePrecondition("", &error));
  EXPECT_TRUE(error.empty());
  for (const char* bad : {"[]", R"({"version":1})", R"({"key":"k","version":"3"})",
                          R"({"key":"k","policy":"first-wins"})"}) {
    error.clear();
    EXPECT_FALSE(ParsePrecondition(bad, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(Conflicts, RejectIsOptimisticConcurrency) {
  Precondition p{"doc", 3, ConflictPolicy::kReject};
  Judgement first = Judge(p, KeyState{}, At(100));
  EXPECT_EQ(first.verdict, Verdict::kDeliver);
  EXPECT_EQ(first.after.version, 4);
  Judgement second = Judge(p, first.after, At(200));  // made against 3, the key is at 4
  EXPECT_EQ(second.verdict, Verdict::kConflict);
  EXPECT_EQ(second.reason,
            "conflict on 'doc': it is at version 4, this request was made against version 3");
  Judgement next = Judge(Precondition{"doc", 4, ConflictPolicy::kReject}, first.after, At(300));
  EXPECT_EQ(next.verdict, Verdict::kDeliver);
}

TEST(Conflicts, LastWriterWinsDropsOlderWrites) {
  Precondition p{"doc", std::nullopt, ConflictPolicy::kLastWriterWins};
  Judgement newer = Judge(p, KeyState{}, At(500));
  EXPECT_EQ(newer.verdict, Verdict::kDeliver);
  Judgement older = Judge(p, newer.after, At(400));
  EXPECT_EQ(older.verdict, Verdict::kSuperseded);
  EXPECT_NE(older.reason.find("last writer wins"), std::string::npos);
  EXPECT_EQ(Judge(p, newer.after, At(600)).verdict, Verdict::kDeliver);
}

TEST(Conflicts, KeyStateIsKeptByBothBackends) {
  auto q = NewMemoryQueue({});
  EXPECT_FALSE(q->GetKey("k")->known);
  ASSERT_TRUE(q->PutKey("k", KeyState{true, 7, 123}));
  EXPECT_EQ(q->GetKey("k")->version, 7);
}

}  // namespace
}  // namespace gw::queue
