// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/worker.hpp"

#include <pthread.h>

namespace vnf::util {

Worker::Worker(std::string threadName) : threadName_(std::move(threadName)), thread_([this] { run(); }) {}

Worker::~Worker()
{
    shutdown();
}

void Worker::shutdown()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable())
        thread_.join();
}

void Worker::submit(std::function<void()> job, uint64_t lane)
{
    submitBatchable(std::move(job), lane, 0, 0);
}

void Worker::submitBatchable(std::function<void()> job, uint64_t lane, uint64_t batch, uint64_t id)
{
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !thread_.joinable())
            return;
        auto& queue = lanes_[lane];
        if (queue.empty())
            rotation_.push_back(lane);
        queue.push_back({std::move(job), batch, id});
    }
    wake_.notify_one();
}

std::vector<uint64_t> Worker::takeBatch(uint64_t batch, size_t most)
{
    std::vector<uint64_t> ids;
    std::lock_guard lock(mutex_);
    // Rounds over the lanes, one job of each at most per round, as they
    // would be served; a lane that gives one goes to the back (it had its
    // turn), one that empties leaves the rotation.
    for (bool took = true; took && ids.size() < most;) {
        took = false;
        for (size_t lanes = rotation_.size(); lanes > 0 && ids.size() < most; --lanes) {
            const uint64_t lane = rotation_.front();
            rotation_.pop_front();
            auto it = lanes_.find(lane);
            if (batch != 0 && it->second.front().batch == batch) {
                ids.push_back(it->second.front().id);
                it->second.pop_front();
                took = true;
                if (it->second.empty()) {
                    lanes_.erase(it);
                    continue;
                }
            }
            rotation_.push_back(lane);
        }
    }
    return ids;
}

void Worker::run()
{
    // Named, so that an administrator (and the tests) can tell it in ps -T.
    pthread_setname_np(pthread_self(), threadName_.substr(0, 15).c_str());
    while (true) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !rotation_.empty(); });
            if (rotation_.empty())
                return;  // stopping, and nothing left to do
            const uint64_t lane = rotation_.front();
            rotation_.pop_front();
            auto it = lanes_.find(lane);
            job = std::move(it->second.front().job);
            it->second.pop_front();
            if (it->second.empty())
                lanes_.erase(it);
            else
                rotation_.push_back(lane);
        }
        job();
    }
}

} // namespace vnf::util
