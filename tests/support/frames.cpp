// SPDX-License-Identifier: GPL-2.0-or-later
#include "support/frames.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace vnf::test {

namespace {

constexpr char kTagMagic[4] = {'V', 'N', 'F', 'T'};

void put16(std::string& out, uint16_t v)
{
    out += static_cast<char>(v >> 8);
    out += static_cast<char>(v & 0xff);
}

void put32(std::string& out, uint32_t v)
{
    put16(out, static_cast<uint16_t>(v >> 16));
    put16(out, static_cast<uint16_t>(v & 0xffff));
}

void putMac(std::string& out, const Mac& mac)
{
    out.append(reinterpret_cast<const char*>(mac.data()), mac.size());
}

std::string address(const std::string& text, bool ipv6)
{
    unsigned char buf[16];
    if (inet_pton(ipv6 ? AF_INET6 : AF_INET, text.c_str(), buf) != 1)
        throw std::invalid_argument("not an address: " + text);
    return std::string(reinterpret_cast<const char*>(buf), ipv6 ? 16 : 4);
}

uint16_t checksum(const std::string& data)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < data.size(); i += 2)
        sum += (static_cast<uint8_t>(data[i]) << 8) | static_cast<uint8_t>(data[i + 1]);
    if (data.size() % 2)
        sum += static_cast<uint8_t>(data.back()) << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

std::string tagBytes(uint32_t tag)
{
    std::string out(kTagMagic, sizeof kTagMagic);
    put32(out, tag);
    return out;
}

// The layer-4 header and payload of an IP packet.
std::string transport(const FrameSpec& s, uint32_t tag)
{
    std::string out;
    switch (s.protocol) {
    case 6:  // TCP: a bare header, no options
        put16(out, s.srcPort);
        put16(out, s.dstPort);
        put32(out, 1);  // seq
        put32(out, 0);  // ack
        out += static_cast<char>(5 << 4);
        out += static_cast<char>(s.tcpFlags);
        put16(out, 64240);
        put16(out, 0);
        put16(out, 0);
        break;
    case 17:   // UDP
    case 136:  // UDP-Lite
        put16(out, s.srcPort);
        put16(out, s.dstPort);
        put16(out, 8 + 8);
        put16(out, 0);
        break;
    case 132:  // SCTP common header
        put16(out, s.srcPort);
        put16(out, s.dstPort);
        put32(out, 0);
        put32(out, 0);
        break;
    case 1:
    case 58:  // ICMP, ICMPv6: type, code, checksum, rest of header
        out += static_cast<char>(s.icmpType);
        out += static_cast<char>(s.icmpCode);
        put16(out, 0);
        put32(out, 0x00010001);
        break;
    default:
        break;
    }
    out += tagBytes(tag);
    if (s.protocol == 1) {
        const uint16_t sum = checksum(out);
        out[2] = static_cast<char>(sum >> 8);
        out[3] = static_cast<char>(sum & 0xff);
    }
    return out;
}

std::string ipPacket(const FrameSpec& s, uint32_t tag)
{
    const std::string payload = transport(s, tag);
    std::string out;
    if (s.ethertype == 0x0800) {
        out += static_cast<char>(0x45);
        out += static_cast<char>(s.tos);
        put16(out, static_cast<uint16_t>(20 + payload.size()));
        put16(out, 0x1234);
        put16(out, 0x4000);  // don't fragment
        out += static_cast<char>(64);
        out += static_cast<char>(s.protocol);
        put16(out, 0);
        out += address(s.srcIp, false);
        out += address(s.dstIp, false);
        const uint16_t sum = checksum(out);
        out[10] = static_cast<char>(sum >> 8);
        out[11] = static_cast<char>(sum & 0xff);
    } else {
        put32(out, (6u << 28) | (static_cast<uint32_t>(s.tos) << 20));
        put16(out, static_cast<uint16_t>(payload.size()));
        out += static_cast<char>(s.protocol);
        out += static_cast<char>(64);
        out += address(s.srcIp, true);
        out += address(s.dstIp, true);
    }
    return out + payload;
}

std::string arpPacket(const FrameSpec& s, uint32_t tag)
{
    std::string out;
    put16(out, s.arpHtype);
    put16(out, s.arpPtype);
    out += static_cast<char>(6);
    out += static_cast<char>(4);
    put16(out, s.arpOpcode);
    putMac(out, s.arpSha);
    out += address(s.arpSpa, false);
    putMac(out, s.arpTha);
    out += address(s.arpTpa, false);
    return out + tagBytes(tag);
}

std::string bpdu(const FrameSpec& s, uint32_t tag)
{
    std::string out = "\x42\x42\x03";
    put16(out, 0);  // protocol id
    out += '\0';    // version
    out += static_cast<char>(s.bpduType);
    out += static_cast<char>(s.bpduFlags);
    put16(out, s.rootPriority);
    putMac(out, s.rootAddress);
    put32(out, s.rootCost);
    put16(out, s.senderPriority);
    putMac(out, s.senderAddress);
    put16(out, s.stpPort);
    put16(out, s.age);
    put16(out, s.maxAge);
    put16(out, s.helloTime);
    put16(out, s.forwardDelay);
    return out + tagBytes(tag);
}

std::string macText(const Mac& m)
{
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    return buf;
}

int packetSocket(const Netns& ns, const std::string& ifname, int* index)
{
    EnterNetns inside(ns);
    const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd < 0)
        throw std::runtime_error(std::string("packet socket: ") + std::strerror(errno));
    const int ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
    if (ifindex == 0) {
        ::close(fd);
        throw std::runtime_error("no interface " + ifname + " in " + ns.name());
    }
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(ETH_P_ALL);
    addr.sll_ifindex = ifindex;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        throw std::runtime_error(std::string("bind packet socket: ") + std::strerror(errno));
    }
    const int buffer = 8 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer);
    if (index)
        *index = ifindex;
    return fd;
}

} // namespace

Mac parseMac(const std::string& text)
{
    Mac mac{};
    unsigned v[6];
    if (std::sscanf(text.c_str(), "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
        throw std::invalid_argument("not a MAC: " + text);
    for (int i = 0; i < 6; ++i)
        mac[i] = static_cast<uint8_t>(v[i]);
    return mac;
}

std::string FrameSpec::describe() const
{
    char type[8];
    std::snprintf(type, sizeof type, "%04x", ethertype);
    std::string out = macText(src) + " > " + macText(dst) + (vlanId ? " vlan " + std::to_string(*vlanId) : "");
    if (stp)
        return out + " stp type " + std::to_string(bpduType);
    out += std::string(" type ") + type;
    if (ethertype == 0x0800 || ethertype == 0x86dd)
        out += " " + srcIp + " > " + dstIp + " proto " + std::to_string(protocol) + " ports " +
               std::to_string(srcPort) + ">" + std::to_string(dstPort) + " tos " + std::to_string(tos) + " flags " +
               std::to_string(tcpFlags) + " icmp " + std::to_string(icmpType) + "/" + std::to_string(icmpCode);
    else if (ethertype == 0x0806 || ethertype == 0x8035)
        out += " op " + std::to_string(arpOpcode) + " " + macText(arpSha) + "/" + arpSpa + " > " + macText(arpTha) +
               "/" + arpTpa;
    return out;
}

std::string buildFrame(const FrameSpec& s, uint32_t tag)
{
    std::string out;
    putMac(out, s.dst);
    putMac(out, s.src);
    if (s.stp) {
        const std::string body = bpdu(s, tag);
        put16(out, static_cast<uint16_t>(body.size()));  // 802.3 length
        return out + body;
    }
    if (s.vlanId) {
        put16(out, 0x8100);
        put16(out, *s.vlanId & 0x0fff);
    }
    put16(out, s.ethertype);
    if (s.ethertype == 0x0800 || s.ethertype == 0x86dd)
        out += ipPacket(s, tag);
    else if (s.ethertype == 0x0806 || s.ethertype == 0x8035)
        out += arpPacket(s, tag);
    else
        out += tagBytes(tag) + std::string(40, '\0');
    return out;
}

FrameProbe::FrameProbe(const Netns& from, const std::string& fromIf, const Netns& to, const std::string& toIf)
{
    receiveFd_ = packetSocket(to, toIf, nullptr);
    sendFd_ = packetSocket(from, fromIf, &sendIndex_);
}

FrameProbe::~FrameProbe()
{
    if (sendFd_ >= 0)
        ::close(sendFd_);
    if (receiveFd_ >= 0)
        ::close(receiveFd_);
}

std::set<uint32_t> FrameProbe::deliver(const std::vector<std::pair<uint32_t, std::string>>& frames, int settleMs)
{
    // Whatever arrived before this batch is not its answer.
    char buffer[65536];
    while (::recv(receiveFd_, buffer, sizeof buffer, MSG_DONTWAIT) > 0) {
    }
    for (const auto& [tag, frame] : frames)
        if (::send(sendFd_, frame.data(), frame.size(), 0) < 0)
            throw std::runtime_error(std::string("send frame: ") + std::strerror(errno));
    std::set<uint32_t> seen;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(settleMs);
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            break;
        pollfd p{receiveFd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
            continue;
        sockaddr_ll from{};
        socklen_t length = sizeof from;
        const ssize_t got = ::recvfrom(receiveFd_, buffer, sizeof buffer, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &length);
        if (got <= 0 || from.sll_pkttype == PACKET_OUTGOING)
            continue;
        const std::string_view data(buffer, static_cast<size_t>(got));
        for (size_t at = data.find(std::string_view(kTagMagic, 4)); at != std::string_view::npos && at + 8 <= data.size();
             at = data.find(std::string_view(kTagMagic, 4), at + 1)) {
            uint32_t tag = 0;
            for (size_t i = 0; i < 4; ++i)
                tag = (tag << 8) | static_cast<uint8_t>(data[at + 4 + i]);
            seen.insert(tag);
        }
    }
    return seen;
}

} // namespace vnf::test
