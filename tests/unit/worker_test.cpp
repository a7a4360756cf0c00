// SPDX-License-Identifier: GPL-2.0-or-later
// The worker's queue: lanes served round robin, in order within a lane, and
// batchable jobs taken only from the head of their lane.
#include "util/worker.hpp"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <string>
#include <vector>

using namespace vnf;

namespace {

constexpr uint64_t kBatch = 7;

// Records what ran, in order, from the worker's thread.
struct Ran {
    std::mutex mutex;
    std::vector<std::string> names;
    std::function<void()> job(const std::string& name)
    {
        return [this, name] {
            std::lock_guard lock(mutex);
            names.push_back(name);
        };
    }
};

} // namespace

TEST(Worker, LanesTakeTurnsAndKeepTheirOrder)
{
    Ran ran;
    std::promise<void> release;
    {
        util::Worker worker("test-worker");
        worker.submit([future = release.get_future().share()] { future.wait(); });
        worker.submit(ran.job("a1"), 1);
        worker.submit(ran.job("a2"), 1);
        worker.submit(ran.job("a3"), 1);
        worker.submit(ran.job("b1"), 2);
        release.set_value();
    }  // finishes what was submitted
    EXPECT_EQ(ran.names, (std::vector<std::string>{"a1", "b1", "a2", "a3"}));
}

// A running job takes the batchable jobs at the head of each lane: a lane
// whose next job is of another kind gives none until that one ran, so no
// lane's order changes; the jobs taken never run.
TEST(Worker, ABatchTakesOnlyJobsAtTheHeadOfTheirLanes)
{
    Ran ran;
    std::promise<void> release;
    std::vector<uint64_t> taken, takenLimited;
    {
        util::Worker worker("test-worker");
        worker.submit([&, future = release.get_future().share()] {
            future.wait();
            taken = worker.takeBatch(kBatch, 10);
        });
        worker.submitBatchable(ran.job("lane1 batch 1"), 1, kBatch, 1);
        worker.submit(ran.job("lane1 other"), 1);
        worker.submitBatchable(ran.job("lane1 batch 2"), 1, kBatch, 2);
        worker.submitBatchable(ran.job("lane2 batch 3"), 2, kBatch, 3);
        worker.submitBatchable(ran.job("lane2 batch 4"), 2, kBatch, 4);
        worker.submit(ran.job("lane3 other"), 3);
        worker.submitBatchable(ran.job("lane3 batch 5"), 3, kBatch, 5);
        worker.submitBatchable(ran.job("lane3 batch 6"), 3, 8, 6);  // another kind
        release.set_value();
    }
    EXPECT_EQ(taken, (std::vector<uint64_t>{1, 3, 4}));
    EXPECT_EQ(ran.names, (std::vector<std::string>{"lane1 other", "lane3 other", "lane1 batch 2", "lane3 batch 5",
                                                   "lane3 batch 6"}));
    {
        util::Worker worker("test-worker");
        std::promise<void> again;
        worker.submit([&, future = again.get_future().share()] {
            future.wait();
            takenLimited = worker.takeBatch(kBatch, 1);
        });
        worker.submitBatchable([] {}, 1, kBatch, 1);
        worker.submitBatchable([] {}, 2, kBatch, 2);
        again.set_value();
    }
    EXPECT_EQ(takenLimited, (std::vector<uint64_t>{1}));
}
