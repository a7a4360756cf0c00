// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/deferred_close.hpp"

#include <pthread.h>

#include <algorithm>
#include <system_error>

namespace vnf::util {

void closeConcurrently(std::vector<UniqueFd> fds, size_t parallel)
{
    const size_t threads = std::min(fds.size(), std::max<size_t>(1, parallel));
    if (threads <= 1) {
        fds.clear();
        return;
    }
    auto closeSlice = [&fds, threads](size_t t) {
        for (size_t i = t; i < fds.size(); i += threads)
            fds[i].reset();
    };
    std::vector<std::thread> closers;
    closers.reserve(threads);
    try {
        for (size_t t = 0; t < threads; ++t)
            closers.emplace_back(closeSlice, t);
    } catch (const std::system_error&) {
        // No more threads to be had: the slices nobody took are closed here.
    }
    for (auto& closer : closers)
        closer.join();
    for (size_t t = closers.size(); t < threads; ++t)
        closeSlice(t);
}

DeferredClose::DeferredClose(size_t parallel) : parallel_(parallel), thread_([this] { run(); }) {}

DeferredClose::~DeferredClose()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void DeferredClose::close(UniqueFd fd)
{
    std::vector<UniqueFd> one;
    one.push_back(std::move(fd));
    close(std::move(one));
}

void DeferredClose::close(std::vector<UniqueFd> fds)
{
    {
        std::lock_guard lock(mutex_);
        for (auto& fd : fds)
            pending_.push_back(std::move(fd));
    }
    wake_.notify_one();
}

void DeferredClose::run()
{
    // Named, so that an administrator (and the tests) can tell it in ps -T.
    pthread_setname_np(pthread_self(), "vnf-close");
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
        if (pending_.empty())
            return;  // stopping, and nothing left
        std::vector<UniqueFd> batch;
        batch.swap(pending_);
        lock.unlock();
        closeConcurrently(std::move(batch), parallel_);
        lock.lock();
    }
}

} // namespace vnf::util
