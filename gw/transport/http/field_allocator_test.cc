#include "gw/transport/http/internal/field_allocator.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "gw/transport/http/internal/beast_types.h"

namespace gw::transport::internal {
namespace {

TEST(FieldAllocator, AFreedBlockIsHandedOutAgainOnItsThread) {
  void* a = FieldBlocks::Allocate(40);
  FieldBlocks::Free(a, 40);
  void* b = FieldBlocks::Allocate(50);  // the same class (up to 64 bytes)
  EXPECT_EQ(a, b);
  FieldBlocks::Free(b, 50);
}

TEST(FieldAllocator, LargeBlocksAndFullListsGoToTheHeap) {
  std::vector<void*> blocks;
  blocks.reserve(200);
  for (int i = 0; i < 200; ++i) blocks.push_back(FieldBlocks::Allocate(100));
  for (void* p : blocks) FieldBlocks::Free(p, 100);  // 64 kept, the rest freed
  void* big = FieldBlocks::Allocate(4096);
  FieldBlocks::Free(big, 4096);
  std::vector<void*> again;
  again.reserve(200);
  for (int i = 0; i < 200; ++i) again.push_back(FieldBlocks::Allocate(100));
  for (void* p : again) FieldBlocks::Free(p, 100);
}

TEST(FieldAllocator, ABlockFreedOnAnotherThreadJoinsThatThreadsList) {
  void* a = FieldBlocks::Allocate(200);
  std::thread([a] {
    FieldBlocks::Free(a, 200);
    void* b = FieldBlocks::Allocate(200);
    EXPECT_EQ(a, b);
    FieldBlocks::Free(b, 200);
  }).join();  // the thread's list returns its blocks to the heap as it exits
}

TEST(FieldAllocator, BeastHeadersWorkThroughIt) {
  Request request;
  request.set(http::field::content_type, "application/json");
  request.set("Mcp-Session-Id", std::string(300, 'x'));  // a field past the largest class
  request.set(http::field::accept, "application/json, text/event-stream");
  EXPECT_EQ(request[http::field::content_type], "application/json");
  EXPECT_EQ(request["mcp-session-id"].size(), 300u);
  Request copy = request;
  request.erase(http::field::accept);
  EXPECT_EQ(copy[http::field::accept], "application/json, text/event-stream");
  EXPECT_TRUE(request[http::field::accept].empty());
}

}  // namespace
}  // namespace gw::transport::internal
