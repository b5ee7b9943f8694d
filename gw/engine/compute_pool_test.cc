#include "gw/engine/compute_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace gw::engine {
namespace {

TEST(ComputePool, RunsEveryTaskOnceAcrossManyJobs) {
  for (int threads : {1, 2, 4}) {
    ComputePool pool(threads);
    EXPECT_EQ(pool.threads(), threads);
    for (int job = 0; job < 2000; ++job) {
      const int tasks = 1 + job % 37;
      std::vector<std::atomic<int>> hits(tasks);
      std::atomic<int> bad_thread{0};
      pool.ParallelFor(tasks, [&](int task, int thread) {
        hits[task].fetch_add(1);
        if (thread < 0 || thread >= threads) bad_thread.fetch_add(1);
      });
      for (int t = 0; t < tasks; ++t)
        ASSERT_EQ(hits[t].load(), 1) << "job " << job << " task " << t;
      ASSERT_EQ(bad_thread.load(), 0);
    }
  }
}

TEST(ComputePool, ZeroTasksAndBadSizesAreHarmless) {
  ComputePool pool(0);
  EXPECT_EQ(pool.threads(), 1);
  int calls = 0;
  pool.ParallelFor(0, [&](int, int) { ++calls; });
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace gw::engine
