// FieldAllocator: the allocator of the HTTP server's header fields. Beast allocates one block
// per header field (the field with its name and value); a keep-alive request and its answer
// made about fifteen such blocks. This allocator keeps freed blocks of up to 256 bytes in
// small per-thread free lists (at most 64 blocks per size class, four classes) and hands them
// out again, so the requests of a connection reuse the blocks of the ones before instead of
// going to malloc. Larger blocks, and blocks past a full list, go to the global heap.
//
// A block freed on another thread than the one that allocated it (a connection's strand
// runs on any I/O thread) joins the freeing thread's list; the lists never grow past their
// cap, and each thread's blocks are returned to the heap when it exits.
//
// Thread-safety: the lists are thread-local; no state is shared.
#pragma once

#include <array>
#include <cstddef>
#include <new>

namespace gw::transport::internal {

class FieldBlocks {
 public:
  static void* Allocate(size_t bytes) {
    const int c = ClassOf(bytes);
    if (c >= 0) {
      Lists& lists = Mine();
      if (Block* b = lists.head[c]) {
        lists.head[c] = b->next;
        --lists.count[c];
        return b;
      }
      return ::operator new(ClassBytes(c));
    }
    return ::operator new(bytes);
  }

  static void Free(void* p, size_t bytes) noexcept {
    const int c = ClassOf(bytes);
    if (c >= 0) {
      Lists& lists = Mine();
      if (lists.count[c] < kMaxPerClass) {
        auto* b = static_cast<Block*>(p);
        b->next = lists.head[c];
        lists.head[c] = b;
        ++lists.count[c];
        return;
      }
    }
    ::operator delete(p);
  }

 private:
  static constexpr int kClasses = 4;  // 32, 64, 128, 256 bytes
  static constexpr size_t kMaxPerClass = 64;
  struct Block {
    Block* next;
  };
  struct Lists {
    std::array<Block*, kClasses> head{};
    std::array<size_t, kClasses> count{};
    ~Lists() {
      for (Block* b : head) {
        while (b) {
          Block* next = b->next;
          ::operator delete(b);
          b = next;
        }
      }
    }
  };
  static Lists& Mine() {
    static thread_local Lists lists;
    return lists;
  }
  static constexpr size_t ClassBytes(int c) { return size_t{32} << c; }
  // The smallest class that holds `bytes`, or -1 when none does.
  static int ClassOf(size_t bytes) {
    for (int c = 0; c < kClasses; ++c) {
      if (bytes <= ClassBytes(c)) return c;
    }
    return -1;
  }
};

template <class T>
struct FieldAllocator {
  using value_type = T;
  FieldAllocator() = default;
  template <class U>
  FieldAllocator(const FieldAllocator<U>& /*other*/) noexcept {}  // NOLINT: rebinding
  T* allocate(size_t n) { return static_cast<T*>(FieldBlocks::Allocate(n * sizeof(T))); }
  void deallocate(T* p, size_t n) noexcept { FieldBlocks::Free(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const FieldAllocator<U>& /*other*/) const noexcept {
    return true;
  }
  template <class U>
  bool operator!=(const FieldAllocator<U>& /*other*/) const noexcept {
    return false;
  }
};

}  // namespace gw::transport::internal
