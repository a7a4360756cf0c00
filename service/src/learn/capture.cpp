// SPDX-License-Identifier: GPL-2.0-or-later
#include "learn/capture.hpp"

#include "util/log.hpp"

#include <poll.h>
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

// The socket error that made poll report POLLERR (the port went down or away).
std::string socketError(int fd)
{
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error != 0)
        return std::strerror(error);
    return "error on the capture socket";
}

} // namespace

std::string captureFilter(const conf::MacAddr& mac, LearningMode mode, FrameDirection direction)
{
    // BOOTP starts 8 bytes into UDP; its client hardware address is 28
    // bytes into BOOTP. Matched in the kernel, a DHCP message for another
    // client (a server's broadcast reply reaches every port of the bridge)
    // never enters this port's ring nor wakes the capture thread.
    char chaddr[64];
    const auto& b = mac.bytes;
    std::snprintf(chaddr, sizeof chaddr, "udp[36:4] = 0x%02x%02x%02x%02x and udp[40:2] = 0x%02x%02x", b[0], b[1], b[2],
                  b[3], b[4], b[5]);
    const std::string dhcp = " and ip and udp and (port 67 or port 68) and " + std::string(chaddr);
    if (direction == FrameDirection::FromGuest) {
        const std::string frames = "ether src " + mac.str();
        return mode == LearningMode::Dhcp ? frames + dhcp : frames;
    }
    return "(ether dst " + mac.str() + " or ether dst ff:ff:ff:ff:ff:ff)" + dhcp;
}

PcapCapture::PcapCapture() : wakeFd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
{
    if (!wakeFd_)
        throw CaptureError(std::string("cannot create an eventfd: ") + std::strerror(errno));
}

PcapCapture::~PcapCapture()
{
    shutdown();
}

void PcapCapture::run(CaptureEvents events)
{
    std::lock_guard lock(mutex_);
    if (thread_.joinable() || stopping_)
        return;
    events_ = std::move(events);
    thread_ = std::thread([this] { loop(); });
}

void PcapCapture::shutdown()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake();
    if (thread_.joinable())
        thread_.join();
    std::lock_guard lock(mutex_);
    watches_.clear();
}

void PcapCapture::wake()
{
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wakeFd_.get(), &one, sizeof one);
}

PcapCapture::PcapPtr PcapCapture::open(const std::string& port, const conf::MacAddr& mac, LearningMode mode,
                                       FrameDirection direction)
{
    char error[PCAP_ERRBUF_SIZE] = {};
    PcapPtr pcap(pcap_create(port.c_str(), error));
    if (!pcap)
        throw CaptureError("cannot capture on port '" + port + "': " + error);
    // Immediate mode: a frame is delivered when it arrives, not when a
    // buffer fills. DHCP needs whole packets; 1600 bytes hold any of them.
    // A ring of 32 kB holds about 20 such frames: learning needs a few (a
    // DHCP exchange, or one frame in any mode) and the thread reads them at
    // once, while a port keeps its rings for as long as it learns (dhcp:
    // for its life). Kernel memory mapped into the daemon: 80 kB per port
    // for both rings, 624 kB with 256 kB asked (bench/run-learning.sh).
    pcap_set_snaplen(pcap.get(), 1600);
    pcap_set_promisc(pcap.get(), 0);
    pcap_set_immediate_mode(pcap.get(), 1);
    pcap_set_buffer_size(pcap.get(), 32 * 1024);
    const int status = pcap_activate(pcap.get());
    if (status < 0) {
        std::string reason = status == PCAP_ERROR_NO_SUCH_DEVICE ? "no such device" : pcap_geterr(pcap.get());
        if (reason.empty())
            reason = pcap_statustostr(status);
        throw CaptureError("cannot capture on port '" + port + "': " + reason);
    }
    // The kernel knows which way a frame went (packet type outgoing or not);
    // this is what makes a server's answer trustworthy, not its addresses.
    if (pcap_setdirection(pcap.get(), direction == FrameDirection::FromGuest ? PCAP_D_IN : PCAP_D_OUT) < 0)
        throw CaptureError("cannot capture one direction on port '" + port + "': " + pcap_geterr(pcap.get()));
    if (pcap_setnonblock(pcap.get(), 1, error) < 0)
        throw CaptureError("cannot capture on port '" + port + "': " + error);
    bpf_program program{};
    const std::string filter = captureFilter(mac, mode, direction);
    if (pcap_compile(pcap.get(), &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) < 0)
        throw CaptureError("cannot compile the capture filter '" + filter + "': " + pcap_geterr(pcap.get()));
    const int set = pcap_setfilter(pcap.get(), &program);
    pcap_freecode(&program);
    if (set < 0)
        throw CaptureError("cannot set the capture filter on port '" + port + "': " + pcap_geterr(pcap.get()));
    if (pcap_get_selectable_fd(pcap.get()) < 0)
        throw CaptureError("port '" + port + "' cannot be polled for captured frames");
    return pcap;
}

uint64_t PcapCapture::watch(const std::string& port, const conf::MacAddr& mac, LearningMode mode)
{
    PcapPtr fromGuest = open(port, mac, mode, FrameDirection::FromGuest);
    PcapPtr toGuest = open(port, mac, mode, FrameDirection::ToGuest);
    uint64_t session;
    {
        std::lock_guard lock(mutex_);
        session = nextSession_++;
        Watch& w = watches_[port];
        w = Watch{};
        w.session = session;
        w.mac = mac;
        w.fromGuestFd = pcap_get_selectable_fd(fromGuest.get());
        w.toGuestFd = pcap_get_selectable_fd(toGuest.get());
        w.fromGuest = std::move(fromGuest);
        w.toGuest = std::move(toGuest);
    }
    wake();
    return session;
}

void PcapCapture::unwatch(const std::string& port)
{
    // Under the lock: the capture thread reads and delivers only while
    // holding it, so once this returns nothing of the old watch is in flight.
    {
        std::lock_guard lock(mutex_);
        watches_.erase(port);
    }
    wake();
}

void PcapCapture::wakeAt(std::optional<int64_t> epochSeconds)
{
    {
        std::lock_guard lock(mutex_);
        wakeAt_ = epochSeconds;
    }
    wake();
}

size_t PcapCapture::watchCount() const
{
    std::lock_guard lock(mutex_);
    return watches_.size();
}

bool PcapCapture::drain(const std::string& port, Watch& watch, FrameDirection direction, std::string& error)
{
    struct Context {
        PcapCapture* self;
        const std::string* port;
        Watch* watch;
        FrameDirection direction;
    } context{this, &port, &watch, direction};
    auto onFrame = [](u_char* user, const pcap_pkthdr* header, const u_char* bytes) {
        auto* c = reinterpret_cast<Context*>(user);
        auto observation =
            inspectFrame(std::span<const uint8_t>(bytes, header->caplen), c->watch->mac, c->direction);
        if (!observation)
            return;
        if (!c->watch->limiter.allow(RateLimiter::Clock::now()))
            return;  // a guest flooding its port gets no more attention than the limit
        if (c->self->events_.observed)
            c->self->events_.observed(*c->port, c->watch->session, *observation);
    };
    // Bounded: one busy port cannot starve the others.
    pcap_t* pcap = direction == FrameDirection::FromGuest ? watch.fromGuest.get() : watch.toGuest.get();
    const int n = pcap_dispatch(pcap, 64, onFrame, reinterpret_cast<u_char*>(&context));
    if (n < 0) {
        error = pcap_geterr(pcap);
        return false;
    }
    return true;
}

void PcapCapture::loop()
{
    // Named, so that an administrator (and the tests) can tell it in ps -T.
    pthread_setname_np(pthread_self(), "vnf-capture");
    while (true) {
        std::vector<pollfd> fds{{wakeFd_.get(), POLLIN, 0}};
        struct Owner {
            std::string port;
            uint64_t session = 0;
            FrameDirection direction = FrameDirection::FromGuest;
        };
        std::vector<Owner> owners{{}};
        int timeoutMs = -1;
        {
            std::lock_guard lock(mutex_);
            if (stopping_)
                return;
            for (const auto& [port, w] : watches_) {
                fds.push_back({w.fromGuestFd, POLLIN, 0});
                owners.push_back({port, w.session, FrameDirection::FromGuest});
                fds.push_back({w.toGuestFd, POLLIN, 0});
                owners.push_back({port, w.session, FrameDirection::ToGuest});
            }
            if (wakeAt_) {
                const int64_t left = *wakeAt_ - epochNow();
                timeoutMs = left <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left, 3600) * 1000);
            }
        }
        if (::poll(fds.data(), fds.size(), timeoutMs) < 0 && errno != EINTR) {
            util::logError(std::string("address learning: poll failed: ") + std::strerror(errno));
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (fds[0].revents) {
            uint64_t count;
            [[maybe_unused]] ssize_t n = ::read(wakeFd_.get(), &count, sizeof count);
        }
        std::lock_guard lock(mutex_);
        if (stopping_)
            return;
        if (wakeAt_ && *wakeAt_ <= epochNow()) {
            wakeAt_.reset();
            if (events_.timer)
                events_.timer();
        }
        for (size_t i = 1; i < fds.size(); ++i) {
            if (!fds[i].revents)
                continue;
            auto it = watches_.find(owners[i].port);
            if (it == watches_.end() || it->second.session != owners[i].session)
                continue;  // unwatched (or replaced, or failed) while we polled
            std::string error;
            const bool broken = fds[i].revents & (POLLERR | POLLHUP | POLLNVAL);
            if (broken)
                error = socketError(fds[i].fd);
            if (broken || !drain(it->first, it->second, owners[i].direction, error)) {
                const std::string port = it->first;
                const uint64_t session = it->second.session;
                watches_.erase(it);
                if (events_.failed)
                    events_.failed(port, session, error);
            }
        }
    }
}

} // namespace vnf::learn
