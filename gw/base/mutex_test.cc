// Mutex, MutexLock and CondVar with real threads. Under the tsan preset these are also the
// canary that ThreadSanitizer watches this code: take a lock out and the run reports a race.
#include "gw/base/mutex.h"

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <thread>
#include <vector>

namespace gw {
namespace {

class Counter {
 public:
  void Add() {
    MutexLock lock(mu_);
    ++n_;
  }
  int value() {
    MutexLock lock(mu_);
    return n_;
  }

 private:
  Mutex mu_;
  int n_ GW_GUARDED_BY(mu_) = 0;
};

TEST(Mutex, ThreadsThatAddUnderTheLockLoseNoUpdate) {
  Counter counter;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) counter.Add();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter.value(), 40000);
}

// A queue that a consumer drains while a producer fills it: every item arrives once, in order.
class Channel {
 public:
  void Push(int v) {
    {
      MutexLock lock(mu_);
      items_.push_back(v);
    }
    cv_.Signal();
  }
  void Close() {
    {
      MutexLock lock(mu_);
      closed_ = true;
    }
    cv_.SignalAll();
  }
  // False once closed and empty.
  bool Pop(int* v) {
    MutexLock lock(mu_);
    while (items_.empty() && !closed_) cv_.Wait(mu_);
    if (items_.empty()) return false;
    *v = items_.front();
    items_.pop_front();
    return true;
  }

 private:
  Mutex mu_;
  CondVar cv_;
  std::deque<int> items_ GW_GUARDED_BY(mu_);
  bool closed_ GW_GUARDED_BY(mu_) = false;
};

TEST(CondVar, WaitWakesForEveryItemAndForClose) {
  Channel channel;
  std::vector<int> got;
  std::thread consumer([&] {
    int v;
    while (channel.Pop(&v)) got.push_back(v);
  });
  for (int i = 0; i < 5000; ++i) channel.Push(i);
  channel.Close();
  consumer.join();
  ASSERT_EQ(got.size(), 5000u);
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(got[i], i);
}

TEST(CondVar, WaitUntilReturnsFalseWhenTheDeadlinePasses) {
  Mutex mu;
  CondVar cv;
  MutexLock lock(mu);
  // Nobody signals: whatever spurious wake-ups happen, the deadline ends the wait.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1);
  bool woken = true;
  while (woken) woken = cv.WaitUntil(mu, deadline);
  EXPECT_GE(std::chrono::steady_clock::now(), deadline);
}

}  // namespace
}  // namespace gw
