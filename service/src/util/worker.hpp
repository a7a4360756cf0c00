// One thread that runs submitted jobs in order. Firewall work goes through
// one of these, so concurrent requests never interleave half-transactions.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace vnf::util {

class Worker {
public:
    Worker();
    // Finishes the jobs already submitted, then joins the thread.
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    void submit(std::function<void()> job);
    // Finishes the jobs already submitted and joins the thread; later
    // submissions are dropped. The destructor does this when not done yet.
    void shutdown();

private:
    void run();

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> jobs_;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace vnf::util
