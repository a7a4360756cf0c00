// SPDX-License-Identifier: GPL-2.0-or-later
// One thread that runs submitted jobs. Firewall work goes through one of
// these, so concurrent requests never interleave half-transactions.
//
// Jobs are queued in lanes (the caller's uid, say) served round robin, one
// job at a time: within a lane in order, and a lane with many jobs waiting
// does not delay the others by more than one job each. With one lane (the
// default) it is a plain FIFO. Jobs of one kind may be done together
// (submitBatchable, takeBatch) without changing any lane's order.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vnf::util {

class Worker {
public:
    explicit Worker(std::string threadName = "vnf-worker");
    // Finishes the jobs already submitted, then joins the thread.
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    void submit(std::function<void()> job, uint64_t lane = 0);
    // A job of a kind whose work can be done together (`batch` names the
    // kind, not 0; `id` names the job to its submitter): when one such job
    // runs, it may take others of its kind with takeBatch().
    void submitBatchable(std::function<void()> job, uint64_t lane, uint64_t batch, uint64_t id);
    // From a running job: removes up to `most` jobs of `batch` that wait at
    // the head of their lane - each lane's next job, so that no lane's order
    // changes: a lane whose next job is of another kind gives none until
    // that one ran - taking lanes in the order they are served, and returns
    // their ids. Those jobs will not run; the caller does their work.
    std::vector<uint64_t> takeBatch(uint64_t batch, size_t most);
    // Finishes the jobs already submitted and joins the thread; later
    // submissions are dropped. The destructor does this when not done yet.
    void shutdown();

private:
    void run();

    std::string threadName_;
    std::mutex mutex_;
    std::condition_variable wake_;
    struct Queued {
        std::function<void()> job;
        uint64_t batch = 0;  // 0: runs alone
        uint64_t id = 0;
    };
    std::map<uint64_t, std::deque<Queued>> lanes_;
    std::deque<uint64_t> rotation_;  // lanes with jobs, in the order they are served
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace vnf::util
