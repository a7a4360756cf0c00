// SPDX-License-Identifier: GPL-2.0-or-later
// One thread that runs submitted jobs. Firewall work goes through one of
// these, so concurrent requests never interleave half-transactions.
//
// Jobs are queued in lanes (the caller's uid, say) served round robin, one
// job at a time: within a lane in order, and a lane with many jobs waiting
// does not delay the others by more than one job each. With one lane (the
// default) it is a plain FIFO.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace vnf::util {

class Worker {
public:
    explicit Worker(std::string threadName = "vnf-worker");
    // Finishes the jobs already submitted, then joins the thread.
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    void submit(std::function<void()> job, uint64_t lane = 0);
    // Finishes the jobs already submitted and joins the thread; later
    // submissions are dropped. The destructor does this when not done yet.
    void shutdown();

private:
    void run();

    std::string threadName_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::map<uint64_t, std::deque<std::function<void()>>> lanes_;
    std::deque<uint64_t> rotation_;  // lanes with jobs, in the order they are served
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace vnf::util
