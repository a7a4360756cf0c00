// SPDX-License-Identifier: GPL-2.0-or-later
// Watching guest ports for their addresses with libpcap: one thread polls
// every open capture (never a thread per port), turns frames into
// observations (rate limited per port) and hands them to the daemon.
#pragma once

#include "conf/netaddr.hpp"
#include "learn/address_learner.hpp"
#include "learn/frame.hpp"
#include "learn/rate_limiter.hpp"
#include "util/unique_fd.hpp"

#include <pcap/pcap.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>

namespace vnf::learn {

class CaptureError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// What the nwfilter driver needs from a capture; an interface so that the
// driver can be tested without one.
class CaptureControl {
public:
    virtual ~CaptureControl() = default;
    // Starts watching `port` for what it says about the guest with `mac`.
    // Returns the session id its events carry. Throws CaptureError (no such
    // port, no permission, ...).
    virtual uint64_t watch(const std::string& port, const conf::MacAddr& mac, LearningMode mode) = 0;
    // Stops watching at once: when this returns, the capture is closed and
    // no further event of its session is delivered.
    virtual void unwatch(const std::string& port) = 0;
    // The timer event fires once at `epochSeconds` (nullopt: no timer).
    virtual void wakeAt(std::optional<int64_t> epochSeconds) = 0;
};

struct CaptureEvents {
    std::function<void(const std::string& port, uint64_t session, const Observation&)> observed;
    std::function<void(const std::string& port, uint64_t session, const std::string& reason)> failed;
    std::function<void()> timer;
};

// The BPF filter of one direction of a watch: frames from the guest, or
// frames to it (its MAC or broadcast); in dhcp mode only DHCP among them,
// and to the guest only DHCP in any mode (a server's offer or ack); DHCP
// only with the guest's MAC as the client hardware address. Never narrower
// than inspectFrame (the frame fuzzer checks): what it drops teaches nothing.
std::string captureFilter(const conf::MacAddr& mac, LearningMode mode, FrameDirection direction);

class PcapCapture final : public CaptureControl {
public:
    PcapCapture();
    // Stops the thread and closes every capture.
    ~PcapCapture() override;
    PcapCapture(const PcapCapture&) = delete;
    PcapCapture& operator=(const PcapCapture&) = delete;

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
    struct PcapCloser {
        void operator()(pcap_t* p) const { pcap_close(p); }
    };
    using PcapPtr = std::unique_ptr<pcap_t, PcapCloser>;
    // Two captures per port, one per direction (libpcap tells no direction
    // per frame): what the guest sends, and what is sent to it. Only the
    // second can carry a DHCP server's answer.
    struct Watch {
        uint64_t session = 0;
        conf::MacAddr mac;
        PcapPtr fromGuest;
        PcapPtr toGuest;
        int fromGuestFd = -1;
        int toGuestFd = -1;
        RateLimiter limiter{10, 50};  // observations per second, burst
    };
    static PcapPtr open(const std::string& port, const conf::MacAddr& mac, LearningMode mode, FrameDirection direction);

    void loop();
    void wake();
    // Reads what is waiting on `watch`; false (with `error`) when it failed.
    bool drain(const std::string& port, Watch& watch, FrameDirection direction, std::string& error);
    // Registers the watch's two descriptors with epoll / takes them out and
    // forgets the watch (with the lock held).
    void add(const Watch& watch);
    void remove(std::map<std::string, Watch>::iterator watch);

    mutable std::mutex mutex_;
    std::map<std::string, Watch> watches_;
    // Which port a session watches: an epoll event names its session and
    // direction, so the thread finds the capture in O(1) whatever the
    // number of ports (a poll over every capture cost 3.5 ms per frame at
    // 1000 learning ports).
    std::unordered_map<uint64_t, std::string> portOfSession_;
    std::optional<int64_t> wakeAt_;
    uint64_t nextSession_ = 1;  // 0 names the wake-up eventfd in epoll
    bool stopping_ = false;
    CaptureEvents events_;
    util::UniqueFd wakeFd_;
    util::UniqueFd epollFd_;
    std::thread thread_;
};

} // namespace vnf::learn
