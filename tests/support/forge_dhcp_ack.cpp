// SPDX-License-Identifier: GPL-2.0-or-later
// A guest's forgery for the hardening tests: sends, on INTERFACE, a DHCPACK
// as if from SERVER (IPv4 source SERVER, broadcast, chaddr MAC) giving
// ADDRESS to MAC. A raw frame on a packet socket, as a hostile guest would,
// from INTERFACE's own MAC (as the bench's server on the bridge would).
// Usage: forge_dhcp_ack INTERFACE MAC SERVER ADDRESS
#include "link_broadcast.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

void put16(std::vector<uint8_t>& f, size_t at, uint16_t v)
{
    f[at] = static_cast<uint8_t>(v >> 8);
    f[at + 1] = static_cast<uint8_t>(v);
}

void put32(std::vector<uint8_t>& f, size_t at, uint32_t v)
{
    put16(f, at, static_cast<uint16_t>(v >> 16));
    put16(f, at + 2, static_cast<uint16_t>(v));
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 5) {
        std::fprintf(stderr, "usage: forge_dhcp_ack INTERFACE MAC SERVER ADDRESS\n");
        return 2;
    }
    uint8_t mac[6];
    in_addr server{}, address{};
    if (std::sscanf(argv[2], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4], &mac[5]) != 6 ||
        inet_pton(AF_INET, argv[3], &server) != 1 || inet_pton(AF_INET, argv[4], &address) != 1) {
        std::fprintf(stderr, "forge_dhcp_ack: bad argument\n");
        return 2;
    }
    const uint32_t serverIp = ntohl(server.s_addr), yiaddr = ntohl(address.s_addr);
    const std::vector<uint8_t> options = {53, 1, 5,                                                      // ACK
                                          54, 4, uint8_t(serverIp >> 24), uint8_t(serverIp >> 16), uint8_t(serverIp >> 8), uint8_t(serverIp),
                                          51, 4, 0, 0, 0x0e, 0x10,                                     // 3600 s
                                          1,  4, 255, 255, 255, 0, 255};
    const size_t bootp = 240 + options.size(), udp = 8 + bootp, ip = 20 + udp;
    std::vector<uint8_t> f(14 + ip, 0);
    std::memset(f.data(), 0xff, 6);  // broadcast
    put16(f, 12, 0x0800);
    // IPv4
    f[14] = 0x45;
    put16(f, 16, static_cast<uint16_t>(ip));
    f[22] = 64;
    f[23] = 17;
    put32(f, 26, serverIp);
    put32(f, 30, 0xffffffff);
    uint32_t sum = 0;
    for (size_t i = 14; i < 34; i += 2)
        sum += static_cast<uint32_t>(f[i] << 8 | f[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    put16(f, 24, static_cast<uint16_t>(~sum));
    // UDP 67 -> 68, no checksum
    put16(f, 34, 67);
    put16(f, 36, 68);
    put16(f, 38, static_cast<uint16_t>(udp));
    // BOOTP reply
    const size_t b = 42;
    f[b] = 2;
    f[b + 1] = 1;
    f[b + 2] = 6;
    put32(f, b + 4, 0x12345678);
    put16(f, b + 10, 0x8000);
    put32(f, b + 16, yiaddr);
    put32(f, b + 20, serverIp);
    std::memcpy(f.data() + b + 28, mac, 6);
    put32(f, b + 236, 0x63825363);
    std::memcpy(f.data() + b + 240, options.data(), options.size());

    const int fd = ::socket(AF_PACKET, SOCK_RAW, 0);
    vnf::test::LinkBroadcast link;
    if (fd < 0 || !vnf::test::linkBroadcast(fd, argv[1], link)) {
        std::perror("forge_dhcp_ack: the interface");
        return 1;
    }
    std::memcpy(f.data() + 6, link.ownMac.data(), 6);
    if (::sendto(fd, f.data(), f.size(), 0, reinterpret_cast<const sockaddr*>(&link.to), sizeof link.to) !=
        static_cast<ssize_t>(f.size())) {
        std::perror("forge_dhcp_ack");
        return 1;
    }
    ::close(fd);
    return 0;
}
