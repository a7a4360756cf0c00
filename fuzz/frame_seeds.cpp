// SPDX-License-Identifier: GPL-2.0-or-later
// Writes the frame fuzzer's seed inputs (fuzz/frame_input.hpp) into a
// directory: the conversations learning meets - DHCP leases given, renewed,
// released, declined, refused and expired, from trusted and untrusted
// servers; ARP and IPv4 sources; 802.1Q; server messages forged by the
// guest - so that the fuzzer starts deep in every parser branch.
//
//   frame_seeds DIR
#include "fuzz/frame_input.hpp"
#include "support/learn_frames.hpp"

#include <cstdio>
#include <fstream>
#include <string>

using namespace vnf;
using learn::FrameDirection;
using learn::LearningMode;

namespace {

const conf::MacAddr kServerMac = *conf::MacAddr::parse("52:54:00:00:00:01");
const conf::MacAddr kBroadcast = *conf::MacAddr::parse("ff:ff:ff:ff:ff:ff");
const conf::MacAddr kOther = *conf::MacAddr::parse("52:54:00:11:22:33");
constexpr learn::Ipv4 kUntrustedServer = 0x0a000009;  // 10.0.0.9
constexpr learn::Ipv4 address(int last) { return 0x0a000000 | static_cast<learn::Ipv4>(last); }

fuzz::FrameStep toGuest(std::vector<uint8_t> frame, int64_t minutes = 0)
{
    return {FrameDirection::ToGuest, minutes * 60, std::move(frame)};
}

fuzz::FrameStep fromGuest(std::vector<uint8_t> frame, int64_t minutes = 0)
{
    return {FrameDirection::FromGuest, minutes * 60, std::move(frame)};
}

std::vector<uint8_t> ack(learn::Ipv4 server, learn::Ipv4 yiaddr, uint32_t lease, const conf::MacAddr& dst = fuzz::kGuest)
{
    return test::dhcpServerFrame(5, server, yiaddr, lease, dst, kServerMac, fuzz::kGuest);
}

std::vector<uint8_t> arp(uint16_t op, learn::Ipv4 sender, learn::Ipv4 target)
{
    return test::FrameBuilder().ethernet(kBroadcast, fuzz::kGuest, 0x0806).arp(op, fuzz::kGuest, sender, target).take();
}

std::vector<uint8_t> ipv4From(learn::Ipv4 source, bool vlan)
{
    return test::FrameBuilder().ethernet(kOther, fuzz::kGuest, 0x0800, vlan).ipv4(source, address(1), 1, 8).take();
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: frame_seeds DIR\n");
        return 2;
    }
    const std::vector<std::pair<std::string, fuzz::FrameInput>> seeds = {
        {"dhcp-lease-life",
         {LearningMode::Dhcp, false,
          {toGuest(test::dhcpServerFrame(2, fuzz::kTrustedServer, address(50), 120, kBroadcast, kServerMac, fuzz::kGuest)),
           toGuest(ack(fuzz::kTrustedServer, address(50), 120)), toGuest(ack(fuzz::kTrustedServer, address(50), 120), 1),
           toGuest(ack(fuzz::kTrustedServer, address(51), 0xffffffff)),
           fromGuest(test::dhcpClientFrame(7, fuzz::kGuest, address(50), address(50), kServerMac, fuzz::kTrustedServer)),
           fromGuest(test::dhcpClientFrame(4, fuzz::kGuest, 0, 0, kBroadcast, 0xffffffff,
                                           {{50, test::be32(address(51))}})),
           toGuest(ack(fuzz::kTrustedServer, address(52), 60)), fromGuest({}, 3)}}},
        {"dhcp-trusted-server",
         {LearningMode::Dhcp, true,
          {toGuest(ack(kUntrustedServer, address(60), 600)), toGuest(ack(fuzz::kTrustedServer, address(61), 600)),
           toGuest(test::dhcpServerFrame(6, fuzz::kTrustedServer, 0, std::nullopt, fuzz::kGuest, kServerMac,
                                         fuzz::kGuest))}}},
        {"dhcp-lease-limit",
         {LearningMode::Dhcp, false,
          {toGuest(ack(fuzz::kTrustedServer, address(70), 600)), toGuest(ack(fuzz::kTrustedServer, address(71), 600)),
           toGuest(ack(fuzz::kTrustedServer, address(72), 600)), toGuest(ack(fuzz::kTrustedServer, address(73), 600)),
           toGuest(ack(fuzz::kTrustedServer, address(74), 600)), toGuest(ack(fuzz::kTrustedServer, 0xe0000001, 600))}}},
        {"dhcp-forged-by-guest",
         {LearningMode::Dhcp, false,
          {fromGuest(test::dhcpServerFrame(5, address(80), address(80), 600, kOther, fuzz::kGuest, fuzz::kGuest)),
           toGuest(ack(fuzz::kTrustedServer, address(81), 600, kOther)), fromGuest(ipv4From(address(82), false)),
           fromGuest(arp(2, address(83), address(1)))}}},
        {"any-first-address",
         {LearningMode::Any, false,
          {fromGuest(arp(1, 0, address(90))), fromGuest(arp(1, address(91), address(1))),
           fromGuest(ipv4From(address(92), true)), fromGuest(arp(2, address(93), address(1))),
           toGuest(test::dhcpServerFrame(2, fuzz::kTrustedServer, address(94), 600, kBroadcast, kServerMac,
                                         fuzz::kGuest))}}},
        {"any-from-dhcp",
         {LearningMode::Any, true,
          {fromGuest(ipv4From(0, false)), toGuest(ack(kUntrustedServer, address(95), 600)),
           toGuest(ack(fuzz::kTrustedServer, address(96), 600)), fromGuest(ipv4From(address(97), false))}}},
    };
    for (const auto& [name, input] : seeds) {
        const auto bytes = fuzz::encodeFrameInput(input);
        std::ofstream out(std::string(argv[1]) + "/seed-" + name, std::ios::binary);
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        if (!out) {
            std::fprintf(stderr, "frame_seeds: cannot write %s/seed-%s\n", argv[1], name.c_str());
            return 1;
        }
    }
    return 0;
}
