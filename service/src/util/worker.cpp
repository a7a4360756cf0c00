#include "util/worker.hpp"

#include <pthread.h>

namespace vnf::util {

Worker::Worker() : thread_([this] { run(); }) {}

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

void Worker::submit(std::function<void()> job)
{
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !thread_.joinable())
            return;
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
}

void Worker::run()
{
    pthread_setname_np(pthread_self(), "vnf-worker");
    while (true) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty())
                return;  // stopping, and nothing left to do
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        job();
    }
}

} // namespace vnf::util
