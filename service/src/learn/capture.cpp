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

// Adds `fd` to `epoll` or changes what is asked of it (op EPOLL_CTL_ADD or
// EPOLL_CTL_MOD); `data` comes back with its events. Returns epoll_ctl's result.
int pollFor(int epoll, int op, int fd, uint32_t events, uint64_t data)
{
    epoll_event event{};
    event.events = events;
    event.data.u64 = data;
    return ::epoll_ctl(epoll, op, fd, &event);
}

// Event data in the thread's epoll.
constexpr uint64_t kWakeEvent = 0;
constexpr uint64_t kSocketsEvent = 1;

} // namespace

PacketCapture::PacketCapture(double allFramesPerSecond)
    : allReads_(allFramesPerSecond, allFramesPerSecond),
      wakeFd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      socketsEpollFd_(::epoll_create1(EPOLL_CLOEXEC)),
      epollFd_(::epoll_create1(EPOLL_CLOEXEC))
{
    if (!wakeFd_)
        throw CaptureError(std::string("cannot create an eventfd: ") + std::strerror(errno));
    if (!socketsEpollFd_ || !epollFd_)
        throw CaptureError(std::string("cannot create an epoll instance: ") + std::strerror(errno));
    for (auto [fd, data] : {std::pair{wakeFd_.get(), kWakeEvent}, std::pair{socketsEpollFd_.get(), kSocketsEvent}}) {
        if (pollFor(epollFd_.get(), EPOLL_CTL_ADD, fd, EPOLLIN, data) != 0)
            throw CaptureError(std::string("cannot poll the capture's own descriptors: ") + std::strerror(errno));
    }
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
    if (pollFor(socketsEpollFd_.get(), EPOLL_CTL_ADD, watch.socket.get(), EPOLLIN, watch.session) != 0)
        throw CaptureError(std::string("cannot poll a capture: ") + std::strerror(errno));
}

void PacketCapture::remove(std::map<std::string, Watch>::iterator watch)
{
    // Out of epoll before the socket closes (closing would do it too, but
    // only once no other reference to the socket is left).
    ::epoll_ctl(socketsEpollFd_.get(), EPOLL_CTL_DEL, watch->second.socket.get(), nullptr);
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
    pollFor(socketsEpollFd_.get(), EPOLL_CTL_MOD, watch.socket.get(), 0, watch.session);
    if (!watch.floodLogged) {
        watch.floodLogged = true;
        util::logWarning("port '" + port + "' has more frames to learn from than " +
                             std::to_string(static_cast<int>(kFramesReadPerSecond)) +
                             " a second: they are read at that rate, the rest dropped",
                         {{"VNETFILTER_PORT", port}});
    }
    // Until a tenth of a second's frames can be read at once: resuming costs
    // two epoll changes and a wake-up, which a single frame is not worth
    // (for every token it cost the thread 11 us per frame read with 200
    // flooding ports, for ten 6.5 us; bench/README.md).
    watch.pausedUntil = watch.reads.whenHolding(kFramesReadPerSecond / 10);
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
        pollFor(socketsEpollFd_.get(), EPOLL_CTL_MOD, watch.socket.get(), EPOLLIN, session);
    }
    if (allPausedUntil_ && *allPausedUntil_ <= now) {
        allPausedUntil_.reset();
        pollFor(epollFd_.get(), EPOLL_CTL_MOD, socketsEpollFd_.get(), EPOLLIN, kSocketsEvent);
    }
}

void PacketCapture::pauseAll()
{
    // The sockets stay as they are in their epoll (level-triggered: what
    // waits is reported again on resuming); only their epoll is not polled.
    pollFor(epollFd_.get(), EPOLL_CTL_MOD, socketsEpollFd_.get(), 0, kSocketsEvent);
    // Until a hundredth of a second's frames can be read (as for one port).
    allPausedUntil_ = allReads_.whenHolding(std::max(1.0, allReads_.rate() / 100));
    const auto now = RateLimiter::Clock::now();
    if (!allPausedLogged_ || now - *allPausedLogged_ >= std::chrono::minutes(1)) {
        allPausedLogged_ = now;
        util::logWarning("address learning has more frames to read than " +
                         std::to_string(static_cast<long>(allReads_.rate())) +
                         " a second from all ports together: they are read at that rate, the rest dropped "
                         "(learning_frames_per_second)");
    }
}

bool PacketCapture::drain(const std::string& port, Watch& watch, std::string& error)
{
    // A few frames per report: epoll reports the socket again while frames
    // wait, after the other ready ports had their turn (what keeps ports
    // fair when the budget of all of them runs short). A token is spent
    // only on a frame read.
    for (int frames = 0; frames < 8; ++frames) {
        const auto now = RateLimiter::Clock::now();
        if (!allReads_.available(now)) {
            pauseAll();
            return true;
        }
        if (!watch.reads.available(now)) {
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
        allReads_.take();
        watch.reads.take();
        auto observation = inspectFrame(frame->bytes, watch.mac, frame->direction);
        if (!observation)
            continue;
        if (!watch.limiter.allow(now))
            continue;  // a guest flooding its port gets no more attention than the limit
        if (events_.observed)
            events_.observed(port, watch.session, *observation);
    }
    return true;
}

void PacketCapture::serveSockets()
{
    constexpr int kEvents = 64;
    epoll_event events[kEvents];
    const int ready = ::epoll_wait(socketsEpollFd_.get(), events, kEvents, 0);
    for (int i = 0; i < ready && !allPausedUntil_; ++i) {
        const uint64_t session = events[i].data.u64;
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

void PacketCapture::loop()
{
    // Named, so that an administrator (and the tests) can tell it in ps -T.
    pthread_setname_np(pthread_self(), "vnf-capture");
    epoll_event events[2];
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
            std::optional<RateLimiter::Clock::time_point> resume = allPausedUntil_;
            if (!paused_.empty() && (!resume || paused_.begin()->first < *resume))
                resume = paused_.begin()->first;
            if (resume) {
                const auto left = std::chrono::ceil<std::chrono::milliseconds>(*resume - RateLimiter::Clock::now());
                const int resumeMs = static_cast<int>(std::max<int64_t>(0, left.count()));
                timeoutMs = timeoutMs < 0 ? resumeMs : std::min(timeoutMs, resumeMs);
            }
        }
        const int ready = ::epoll_wait(epollFd_.get(), events, 2, timeoutMs);
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
            if (events[i].data.u64 == kWakeEvent) {
                uint64_t count;
                [[maybe_unused]] ssize_t n = ::read(wakeFd_.get(), &count, sizeof count);
            } else if (!allPausedUntil_) {
                serveSockets();
            }
        }
    }
}

} // namespace vnf::learn
