// SPDX-License-Identifier: GPL-2.0-or-later
#include "dbus/bus_loop.hpp"

#include "util/log.hpp"

#include <sdbus-c++/Error.h>

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace vnf::dbus {

BusLoop::BusLoop(sdbus::IConnection& connection, const std::vector<int>& signals) : connection_(connection)
{
    taskFd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    sigset_t mask;
    sigemptyset(&mask);
    for (int s : signals)
        sigaddset(&mask, s);
    signalFd_ = ::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (taskFd_ < 0 || signalFd_ < 0)
        throw std::runtime_error(std::string("cannot create the event loop's descriptors: ") + std::strerror(errno));
}

BusLoop::~BusLoop()
{
    ::close(taskFd_);
    ::close(signalFd_);
}

void BusLoop::post(std::function<void()> task)
{
    {
        std::lock_guard lock(mutex_);
        tasks_.push_back(std::move(task));
    }
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(taskFd_, &one, sizeof one);
}

void BusLoop::stop()
{
    post([this] { stopping_ = true; });
}

void BusLoop::runPosted()
{
    uint64_t count;
    [[maybe_unused]] ssize_t n = ::read(taskFd_, &count, sizeof count);
    std::deque<std::function<void()>> tasks;
    {
        std::lock_guard lock(mutex_);
        tasks.swap(tasks_);
    }
    for (auto& task : tasks) {
        // A reply that cannot be sent (the caller left, say) is no reason to stop.
        try {
            task();
        } catch (const std::exception& e) {
            util::logWarning(e.what());
        }
    }
}

std::optional<std::string> BusLoop::run(const std::function<void(int)>& onSignal)
{
    while (!stopping_) {
        sdbus::IConnection::PollData data{};
        try {
            while (connection_.processPendingRequest()) {
            }
            data = connection_.getEventLoopPollData();
        } catch (const sdbus::Error& e) {
            return e.getMessage().empty() ? e.getName() : e.getMessage();
        }
        int timeout = -1;
        if (data.timeout_usec != UINT64_MAX) {
            timespec now;
            ::clock_gettime(CLOCK_MONOTONIC, &now);
            const uint64_t nowUsec = static_cast<uint64_t>(now.tv_sec) * 1000000 + static_cast<uint64_t>(now.tv_nsec) / 1000;
            timeout = data.timeout_usec > nowUsec ? static_cast<int>((data.timeout_usec - nowUsec + 999) / 1000) : 0;
        }
        pollfd fds[3] = {{data.fd, data.events, 0}, {taskFd_, POLLIN, 0}, {signalFd_, POLLIN, 0}};
        if (data.fd < 0)
            return std::string("the bus connection is closed");
        if (::poll(fds, 3, timeout) < 0 && errno != EINTR)
            throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
        if (fds[1].revents & POLLIN)
            runPosted();
        if (fds[2].revents & POLLIN) {
            signalfd_siginfo info;
            while (::read(signalFd_, &info, sizeof info) == sizeof info)
                onSignal(static_cast<int>(info.ssi_signo));
        }
    }
    return std::nullopt;
}

} // namespace vnf::dbus
