// SPDX-License-Identifier: GPL-2.0-or-later
// Calls a function every `period` on a thread of its own until stopped
// (used to hand periodic work, like dnsmasq supervision, to the worker).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace vnf::util {

class Ticker {
public:
    Ticker(std::chrono::milliseconds period, std::function<void()> tick)
        : period_(period), tick_(std::move(tick)), thread_([this] { run(); })
    {
    }
    ~Ticker() { stop(); }
    Ticker(const Ticker&) = delete;
    Ticker& operator=(const Ticker&) = delete;

    void stop()
    {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        if (thread_.joinable())
            thread_.join();
    }

private:
    void run()
    {
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, period_, [this] { return stopping_; })) {
            lock.unlock();
            tick_();
            lock.lock();
        }
    }

    std::chrono::milliseconds period_;
    std::function<void()> tick_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;  // last: starts after the members it uses
};

} // namespace vnf::util
