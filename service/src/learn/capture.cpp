// SPDX-License-Identifier: GPL-2.0-or-later
#include "learn/capture.hpp"

#include "util/log.hpp"

#include <sys/epoll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

namespace vnf::learn {

namespace {

int64_t epochNow()
{
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The socket error that made epoll report EPOLLERR (the port went down or away).
std::string socketError(int fd)
{
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error != 0)
        return std::strerror(error);
    return "error on the capture socket";
}

} // namespace

PacketCapture::PacketCapture()
    : wakeFd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)), epollFd_(::epoll_create1(EPOLL_CLOEXEC))
{
    if (!wakeFd_)
        throw CaptureError(std::string("cannot create an eventfd: ") + std::strerror(errno));
    if (!epollFd_)
        throw CaptureError(std::string("cannot create an epoll instance: ") + std::strerror(errno));
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = 0;
    if (::epoll_ctl(epollFd_.get(), EPOLL_CTL_ADD, wakeFd_.get(), &event) != 0)
        throw CaptureError(std::string("cannot poll the eventfd: ") + std::strerror(errno));
}

PacketCapture::~PacketCapture()
{
    shutdown();
}

void PacketCapture::run(CaptureEvents events)
{
    std::lock_guard lock(mutex_);
    if (thread_.joinable() || stopping_)
        return;
    events_ = std::move(events);
    thread_ = std::thread([this] { loop(); });
}

void PacketCapture::shutdown()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake();
    if (thread_.joinable())
        thread_.join();
    std::lock_guard lock(mutex_);
    std::vector<util::UniqueFd> sockets;
    for (auto& [port, watch] : watches_)
        sockets.push_back(std::move(watch.socket));
    closer_.close(std::move(sockets));  // all at once: their waits overlap
    watches_.clear();
    portOfSession_.clear();
    paused_.clear();
}

void PacketCapture::wake()
{
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wakeFd_.get(), &one, sizeof one);
}

void PacketCapture::add(const Watch& watch)
{
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = watch.session;
    if (::epoll_ctl(epollFd_.get(), EPOLL_CTL_ADD, watch.socket.get(), &event) != 0)
        throw CaptureError(std::string("cannot poll a capture: ") + std::strerror(errno));
}

void PacketCapture::remove(std::map<std::string, Watch>::iterator watch)
{
    // Out of epoll before the socket closes (closing would do it too, but
    // only once no other reference to the socket is left).
    ::epoll_ctl(epollFd_.get(), EPOLL_CTL_DEL, watch->second.socket.get(), nullptr);
    if (watch->second.pausedUntil)
        paused_.erase({*watch->second.pausedUntil, watch->second.session});
    portOfSession_.erase(watch->second.session);
    closer_.close(std::move(watch->second.socket));
    watches_.erase(watch);
}

uint64_t PacketCapture::watch(const std::string& port, const conf::MacAddr& mac, LearningMode mode)
{
    Watch w;
    w.socket = openCaptureSocket(port, mac, mode);
    w.mac = mac;
    std::lock_guard lock(mutex_);
    if (auto old = watches_.find(port); old != watches_.end())
        remove(old);
    w.session = nextSession_++;
    add(w);  // the socket closes with `w` when this throws
    portOfSession_[w.session] = port;
    const uint64_t session = w.session;
    watches_.emplace(port, std::move(w));
    return session;
}

void PacketCapture::unwatch(const std::string& port)
{
    // Under the lock: the capture thread reads and delivers only while
    // holding it, so once this returns nothing of the old watch is in flight.
    std::lock_guard lock(mutex_);
    if (auto it = watches_.find(port); it != watches_.end())
        remove(it);
}

void PacketCapture::wakeAt(std::optional<int64_t> epochSeconds)
{
    {
        std::lock_guard lock(mutex_);
        wakeAt_ = epochSeconds;
    }
    wake();
}

size_t PacketCapture::watchCount() const
{
    std::lock_guard lock(mutex_);
    return watches_.size();
}

void PacketCapture::pause(const std::string& port, Watch& watch)
{
    // Still reported: errors and hang-ups (epoll always reports them).
    epoll_event event{};
    event.events = 0;
    event.data.u64 = watch.session;
    ::epoll_ctl(epollFd_.get(), EPOLL_CTL_MOD, watch.socket.get(), &event);
    if (!watch.floodLogged) {
        watch.floodLogged = true;
        util::logWarning("port '" + port + "' has more frames to learn from than " +
                             std::to_string(static_cast<int>(kFramesReadPerSecond)) +
                             " a second: they are read at that rate, the rest dropped",
                         {{"VNETFILTER_PORT", port}});
    }
    watch.pausedUntil = watch.reads.nextToken();
    paused_.insert({*watch.pausedUntil, watch.session});
}

void PacketCapture::resumeDue(RateLimiter::Clock::time_point now)
{
    while (!paused_.empty() && paused_.begin()->first <= now) {
        const uint64_t session = paused_.begin()->second;
        paused_.erase(paused_.begin());
        const auto owner = portOfSession_.find(session);
        if (owner == portOfSession_.end())
            continue;
        Watch& watch = watches_.at(owner->second);
        watch.pausedUntil.reset();
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = session;
        ::epoll_ctl(epollFd_.get(), EPOLL_CTL_MOD, watch.socket.get(), &event);
    }
}

bool PacketCapture::drain(const std::string& port, Watch& watch, std::string& error)
{
    // Bounded: one busy port cannot starve the others (epoll reports it
    // again while frames wait), nor make the thread read more than its
    // budget a second (then it is not polled until a token is back).
    for (int frames = 0; frames < 64; ++frames) {
        if (!watch.reads.allow(RateLimiter::Clock::now())) {
            pause(port, watch);
            return true;
        }
        std::optional<CapturedFrame> frame;
        try {
            frame = receiveFrame(watch.socket.get(), frame_);
        } catch (const CaptureError& e) {
            error = e.what();
            return false;
        }
        if (!frame)
            return true;
        auto observation = inspectFrame(frame->bytes, watch.mac, frame->direction);
        if (!observation)
            continue;
        if (!watch.limiter.allow(RateLimiter::Clock::now()))
            continue;  // a guest flooding its port gets no more attention than the limit
        if (events_.observed)
            events_.observed(port, watch.session, *observation);
    }
    return true;
}

void PacketCapture::loop()
{
    // Named, so that an administrator (and the tests) can tell it in ps -T.
    pthread_setname_np(pthread_self(), "vnf-capture");
    constexpr int kEvents = 64;
    epoll_event events[kEvents];
    while (true) {
        int timeoutMs = -1;
        {
            std::lock_guard lock(mutex_);
            if (stopping_)
                return;
            if (wakeAt_) {
                const int64_t left = *wakeAt_ - epochNow();
                timeoutMs = left <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left, 3600) * 1000);
            }
            if (!paused_.empty()) {
                const auto left = std::chrono::ceil<std::chrono::milliseconds>(paused_.begin()->first -
                                                                               RateLimiter::Clock::now());
                const int resumeMs = static_cast<int>(std::max<int64_t>(0, left.count()));
                timeoutMs = timeoutMs < 0 ? resumeMs : std::min(timeoutMs, resumeMs);
            }
        }
        const int ready = ::epoll_wait(epollFd_.get(), events, kEvents, timeoutMs);
        if (ready < 0 && errno != EINTR) {
            util::logError(std::string("address learning: epoll_wait failed: ") + std::strerror(errno));
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        std::lock_guard lock(mutex_);
        if (stopping_)
            return;
        resumeDue(RateLimiter::Clock::now());
        if (wakeAt_ && *wakeAt_ <= epochNow()) {
            wakeAt_.reset();
            if (events_.timer)
                events_.timer();
        }
        for (int i = 0; i < ready; ++i) {
            const uint64_t session = events[i].data.u64;
            if (session == 0) {  // the eventfd
                uint64_t count;
                [[maybe_unused]] ssize_t n = ::read(wakeFd_.get(), &count, sizeof count);
                continue;
            }
            const auto owner = portOfSession_.find(session);
            if (owner == portOfSession_.end())
                continue;  // unwatched (or replaced, or failed) since epoll reported it
            const auto it = watches_.find(owner->second);
            if (it == watches_.end() || it->second.session != session)
                continue;
            std::string error;
            const bool broken = events[i].events & (EPOLLERR | EPOLLHUP);
            if (broken)
                error = socketError(it->second.socket.get());
            if (broken || !drain(it->first, it->second, error)) {
                const std::string port = it->first;
                remove(it);
                if (events_.failed)
                    events_.failed(port, session, error);
            }
        }
    }
}

} // namespace vnf::learn
