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

// An epoll event's data: the session of a watch and the direction of its
// capture; 0 is the wake-up eventfd (sessions start at 1).
uint64_t tokenOf(uint64_t session, FrameDirection direction)
{
    return session << 1 | (direction == FrameDirection::ToGuest ? 1 : 0);
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

PcapCapture::PcapCapture()
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
    portOfSession_.clear();
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

void PcapCapture::add(const Watch& watch)
{
    for (const auto& [fd, direction] : {std::pair{watch.fromGuestFd, FrameDirection::FromGuest},
                                        std::pair{watch.toGuestFd, FrameDirection::ToGuest}}) {
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = tokenOf(watch.session, direction);
        if (::epoll_ctl(epollFd_.get(), EPOLL_CTL_ADD, fd, &event) != 0)
            throw CaptureError(std::string("cannot poll a capture: ") + std::strerror(errno));
    }
}

void PcapCapture::remove(std::map<std::string, Watch>::iterator watch)
{
    // Out of epoll before the captures close (closing would do it too, but
    // only once no other reference to the socket is left).
    for (int fd : {watch->second.fromGuestFd, watch->second.toGuestFd})
        ::epoll_ctl(epollFd_.get(), EPOLL_CTL_DEL, fd, nullptr);
    portOfSession_.erase(watch->second.session);
    watches_.erase(watch);
}

uint64_t PcapCapture::watch(const std::string& port, const conf::MacAddr& mac, LearningMode mode)
{
    Watch w;
    w.fromGuest = open(port, mac, mode, FrameDirection::FromGuest);
    w.toGuest = open(port, mac, mode, FrameDirection::ToGuest);
    w.fromGuestFd = pcap_get_selectable_fd(w.fromGuest.get());
    w.toGuestFd = pcap_get_selectable_fd(w.toGuest.get());
    w.mac = mac;
    std::lock_guard lock(mutex_);
    if (auto old = watches_.find(port); old != watches_.end())
        remove(old);
    w.session = nextSession_++;
    add(w);  // the captures close with `w` when this throws
    portOfSession_[w.session] = port;
    const uint64_t session = w.session;
    watches_.emplace(port, std::move(w));
    return session;
}

void PcapCapture::unwatch(const std::string& port)
{
    // Under the lock: the capture thread reads and delivers only while
    // holding it, so once this returns nothing of the old watch is in flight.
    std::lock_guard lock(mutex_);
    if (auto it = watches_.find(port); it != watches_.end())
        remove(it);
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
        }
        const int ready = ::epoll_wait(epollFd_.get(), events, kEvents, timeoutMs);
        if (ready < 0 && errno != EINTR) {
            util::logError(std::string("address learning: epoll_wait failed: ") + std::strerror(errno));
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        std::lock_guard lock(mutex_);
        if (stopping_)
            return;
        if (wakeAt_ && *wakeAt_ <= epochNow()) {
            wakeAt_.reset();
            if (events_.timer)
                events_.timer();
        }
        for (int i = 0; i < ready; ++i) {
            const uint64_t token = events[i].data.u64;
            if (token == 0) {
                uint64_t count;
                [[maybe_unused]] ssize_t n = ::read(wakeFd_.get(), &count, sizeof count);
                continue;
            }
            const uint64_t session = token >> 1;
            const auto direction = token & 1 ? FrameDirection::ToGuest : FrameDirection::FromGuest;
            const auto owner = portOfSession_.find(session);
            if (owner == portOfSession_.end())
                continue;  // unwatched (or replaced, or failed) since epoll reported it
            const auto it = watches_.find(owner->second);
            if (it == watches_.end() || it->second.session != session)
                continue;
            std::string error;
            const bool broken = events[i].events & (EPOLLERR | EPOLLHUP);
            if (broken)
                error = socketError(direction == FrameDirection::FromGuest ? it->second.fromGuestFd
                                                                           : it->second.toGuestFd);
            if (broken || !drain(it->first, it->second, direction, error)) {
                const std::string port = it->first;
                remove(it);
                if (events_.failed)
                    events_.failed(port, session, error);
            }
        }
    }
}

} // namespace vnf::learn
