// SPDX-License-Identifier: GPL-2.0-or-later
// Watching guest ports for their addresses: one packet socket per port
// (learn/capture_socket.hpp), one thread that waits on all of them (never a
// thread per port), turns frames into observations (rate limited per port)
// and hands them to the daemon. What guests make the thread read is bounded
// per port and for all ports together.
#pragma once

#include "conf/netaddr.hpp"
#include "learn/address_learner.hpp"
#include "learn/capture_socket.hpp"
#include "learn/frame.hpp"
#include "learn/rate_limiter.hpp"
#include "util/deferred_close.hpp"
#include "util/unique_fd.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>

namespace vnf::learn {

// What the nwfilter driver needs from a capture; an interface so that the
// driver can be tested without one.
class CaptureControl {
public:
    virtual ~CaptureControl() = default;
    // Starts watching `port` for what it says about the guest with `mac`.
    // Returns the session id its events carry. Throws CaptureError (no such
    // port, no permission, ...).
    virtual uint64_t watch(const std::string& port, const conf::MacAddr& mac, LearningMode mode) = 0;
    // Stops watching at once: when this returns, no further event of its
    // session is delivered (the socket itself is closed shortly after, off
    // the caller's thread).
    virtual void unwatch(const std::string& port) = 0;
    // The timer event fires once at `epochSeconds` (nullopt: no timer).
    virtual void wakeAt(std::optional<int64_t> epochSeconds) = 0;
};

struct CaptureEvents {
    std::function<void(const std::string& port, uint64_t session, const Observation&)> observed;
    std::function<void(const std::string& port, uint64_t session, const std::string& reason)> failed;
    std::function<void()> timer;
};

class PacketCapture final : public CaptureControl {
public:
    static constexpr double kFramesReadPerSecond = 100;  // per port

    // `allFramesPerSecond`: what the thread reads from all ports together
    // at most (bursts of as many), whatever the number of flooding guests
    // (learning_frames_per_second).
    explicit PacketCapture(double allFramesPerSecond);
    // Stops the thread and closes every capture.
    ~PacketCapture() override;
    PacketCapture(const PacketCapture&) = delete;
    PacketCapture& operator=(const PacketCapture&) = delete;

    // Starts delivering events (watches made before keep their frames
    // buffered in the kernel until then). Events are delivered on the
    // capture thread and must not block.
    void run(CaptureEvents events);
    // Stops the thread; no event is delivered afterwards.
    void shutdown();

    uint64_t watch(const std::string& port, const conf::MacAddr& mac, LearningMode mode) override;
    void unwatch(const std::string& port) override;
    void wakeAt(std::optional<int64_t> epochSeconds) override;

    size_t watchCount() const;

private:
    struct Watch {
        uint64_t session = 0;
        conf::MacAddr mac;
        util::UniqueFd socket;  // both directions
        RateLimiter limiter{10, 50};  // observations per second, burst
        // Frames read per second, burst: what a guest's flood costs the
        // thread. Learning needs a few frames (a DHCP exchange, or one
        // frame in any mode); past this the socket is left unread until a
        // token is back, and the kernel drops what does not fit its buffer.
        RateLimiter reads{kFramesReadPerSecond, kFramesReadPerSecond};
        std::optional<RateLimiter::Clock::time_point> pausedUntil;
        bool floodLogged = false;  // once per watch
    };

    void loop();
    void wake();
    // Serves the sockets epoll reports ready (with the lock held).
    void serveSockets();
    // Reads what is waiting on `watch`, within the budgets; false (with
    // `error`) when it failed.
    bool drain(const std::string& port, Watch& watch, std::string& error);
    // Registers the watch's socket with epoll / takes it out and forgets the
    // watch (with the lock held).
    void add(const Watch& watch);
    void remove(std::map<std::string, Watch>::iterator watch);
    // Stops polling a watch that spent its read budget / polls the paused
    // watches whose time has come again (with the lock held).
    void pause(const std::string& port, Watch& watch);
    void resumeDue(RateLimiter::Clock::time_point now);
    // Stops polling every socket until the budget of all ports allows a
    // read again: one epoll_ctl, whatever the number of ports.
    void pauseAll();

    mutable std::mutex mutex_;
    std::map<std::string, Watch> watches_;
    // Which port a session watches: an epoll event names its session, so
    // the thread finds the capture in O(1) whatever the number of ports (a
    // poll over every capture cost 3.5 ms per frame at 1000 learning ports).
    std::unordered_map<uint64_t, std::string> portOfSession_;
    // Watches left unread until then (a set: the earliest first).
    std::set<std::pair<RateLimiter::Clock::time_point, uint64_t>> paused_;
    // The budget of all ports; while it is spent no socket is polled.
    RateLimiter allReads_;
    std::optional<RateLimiter::Clock::time_point> allPausedUntil_;
    std::optional<RateLimiter::Clock::time_point> allPausedLogged_;  // at most once a minute
    std::optional<int64_t> wakeAt_;
    uint64_t nextSession_ = 1;
    bool stopping_ = false;
    CaptureEvents events_;
    util::UniqueFd wakeFd_;
    // The capture sockets are polled in an epoll of their own (event data:
    // the session), which is one entry of the thread's epoll beside the
    // wake-up eventfd: stopping every socket at once is one change.
    util::UniqueFd socketsEpollFd_;
    util::UniqueFd epollFd_;
    // Capture sockets are closed here: each close waits for the kernel
    // (util/deferred_close.hpp), which neither a D-Bus call nor the thread
    // should.
    util::DeferredClose closer_;
    std::array<uint8_t, 2048> frame_{};  // the capture thread's, holds kCaptureSnapLength
    std::thread thread_;
};

} // namespace vnf::learn
