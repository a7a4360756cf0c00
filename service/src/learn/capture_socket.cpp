// SPDX-License-Identifier: GPL-2.0-or-later
#include "learn/capture_socket.hpp"

#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace vnf::learn {

namespace {

std::string systemError(const std::string& what)
{
    return what + ": " + std::strerror(errno);
}

// One direction's filter compiled for Ethernet frames, as the kernel will
// see them (a VLAN tag, if any, already taken off into the frame's data).
std::vector<sock_filter> compile(const std::string& filter)
{
    struct PcapCloser {
        void operator()(pcap_t* p) const { pcap_close(p); }
    };
    std::unique_ptr<pcap_t, PcapCloser> dead(pcap_open_dead(DLT_EN10MB, kCaptureSnapLength));
    if (!dead)
        throw CaptureError("cannot compile the capture filter: out of memory");
    struct Program {
        bpf_program code{};
        ~Program() { pcap_freecode(&code); }
    } program;
    if (pcap_compile(dead.get(), &program.code, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) < 0)
        throw CaptureError("cannot compile the capture filter '" + filter + "': " + pcap_geterr(dead.get()));
    std::vector<sock_filter> code;
    code.reserve(program.code.bf_len);
    for (u_int i = 0; i < program.code.bf_len; ++i) {
        const bpf_insn& in = program.code.bf_insns[i];
        code.push_back(sock_filter{in.code, in.jt, in.jf, in.k});
    }
    return code;
}

} // namespace

std::string captureFilter(const conf::MacAddr& mac, LearningMode mode, FrameDirection direction)
{
    // BOOTP starts 8 bytes into UDP; its client hardware address is 28
    // bytes into BOOTP. Matched in the kernel, a DHCP message for another
    // client (a server's broadcast reply reaches every port of the bridge)
    // never enters this port's socket nor wakes the capture thread.
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

std::vector<sock_filter> captureProgram(const conf::MacAddr& mac, LearningMode mode)
{
    const auto toGuest = compile(captureFilter(mac, mode, FrameDirection::ToGuest));
    const auto fromGuest = compile(captureFilter(mac, mode, FrameDirection::FromGuest));
    // Both compiled programs end in returns, so the first never runs into
    // the second; their jumps are relative and stay right where they land.
    //   0  A = packet type            (the kernel's ancillary data)
    //   1  if A == outgoing goto 3 else goto 2
    //   2  goto 3 + |toGuest|         (fromGuest)
    //   3  toGuest ... fromGuest ...
    std::vector<sock_filter> program;
    program.push_back(BPF_STMT(BPF_LD | BPF_B | BPF_ABS, static_cast<uint32_t>(SKF_AD_OFF + SKF_AD_PKTTYPE)));
    program.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 1, 0));
    program.push_back(BPF_STMT(BPF_JMP | BPF_JA, static_cast<uint32_t>(toGuest.size())));
    program.insert(program.end(), toGuest.begin(), toGuest.end());
    program.insert(program.end(), fromGuest.begin(), fromGuest.end());
    if (program.size() > BPF_MAXINSNS)
        throw CaptureError("the capture filter is too long for the kernel (" + std::to_string(program.size()) +
                           " instructions)");
    return program;
}

util::UniqueFd openCaptureSocket(const std::string& port, const conf::MacAddr& mac, LearningMode mode)
{
    const std::string where = "cannot capture on port '" + port + "'";
    const unsigned ifindex = ::if_nametoindex(port.c_str());
    if (ifindex == 0)
        throw CaptureError(where + ": " + (errno == ENODEV ? "no such device" : std::strerror(errno)));
    // Protocol 0: the socket receives nothing until it is bound below, when
    // the program is already attached (no frame of another port gets in).
    util::UniqueFd socket(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!socket)
        throw CaptureError(systemError(where));
    auto program = captureProgram(mac, mode);
    sock_fprog fprog{static_cast<unsigned short>(program.size()), program.data()};
    if (::setsockopt(socket.get(), SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog) != 0)
        throw CaptureError(systemError("cannot set the capture filter on port '" + port + "'"));
    // Frames wait here only until the thread reads them (a DHCP exchange,
    // or one frame in any mode); 64 kB bounds the kernel memory of a port
    // whose guest floods it while the thread is busy.
    const int receiveBuffer = 64 * 1024;
    if (::setsockopt(socket.get(), SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer) != 0)
        throw CaptureError(systemError(where));
    sockaddr_ll address{};
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(ETH_P_ALL);
    address.sll_ifindex = static_cast<int>(ifindex);
    if (::bind(socket.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
        throw CaptureError(systemError(where));
    // Bound to a port that is down, the socket is told at once (and would
    // see nothing until the port is up): a port that is not up is not
    // watched, as libpcap would not capture on it.
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(socket.get(), SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error != 0)
        throw CaptureError(where + ": " + (error == ENETDOWN ? "that device is not up" : std::strerror(error)));
    return socket;
}

std::optional<CapturedFrame> receiveFrame(int socket, std::span<uint8_t> buffer)
{
    sockaddr_ll from{};
    iovec vector{buffer.data(), buffer.size()};
    msghdr message{};
    message.msg_name = &from;
    message.msg_namelen = sizeof from;
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    while (true) {
        const ssize_t n = ::recvmsg(socket, &message, MSG_DONTWAIT);
        if (n >= 0) {
            // The kernel knows which way a frame went (outgoing: sent to the
            // guest); this is what makes a server's answer trustworthy, not
            // its addresses.
            const auto direction =
                from.sll_pkttype == PACKET_OUTGOING ? FrameDirection::ToGuest : FrameDirection::FromGuest;
            return CapturedFrame{buffer.first(static_cast<size_t>(n)), direction};
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return std::nullopt;
        throw CaptureError(std::strerror(errno));
    }
}

} // namespace vnf::learn
