// SPDX-License-Identifier: GPL-2.0-or-later
// Ethernet frames built field by field (IPv4/IPv6 with TCP, UDP, ICMP or
// any protocol, ARP/RARP, STP BPDUs, 802.1Q), each carrying a tag so that a
// receiver can tell which frames arrived; and a probe that sends a batch
// from one namespace's interface and says which reached another's.
#pragma once

#include "support/netns.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace vnf::test {

using Mac = std::array<uint8_t, 6>;
Mac parseMac(const std::string& text);

struct FrameSpec {
    Mac dst{}, src{};
    std::optional<uint16_t> vlanId;  // an 802.1Q tag; `ethertype` is then the encapsulated protocol
    uint16_t ethertype = 0x0800;
    // IPv4 (0x0800) / IPv6 (0x86dd)
    std::string srcIp, dstIp;
    uint8_t protocol = 17;  // next header
    uint8_t tos = 0;        // IPv4 TOS byte; IPv6 traffic class
    uint16_t srcPort = 1024, dstPort = 1024;
    uint8_t tcpFlags = 0x02;
    uint8_t icmpType = 8, icmpCode = 0;
    // ARP (0x0806) / RARP (0x8035)
    uint16_t arpHtype = 1, arpPtype = 0x0800, arpOpcode = 1;
    Mac arpSha{}, arpTha{};
    std::string arpSpa = "0.0.0.0", arpTpa = "0.0.0.0";
    // STP: an LLC frame with a configuration BPDU
    bool stp = false;
    uint8_t bpduType = 0, bpduFlags = 0;
    uint16_t rootPriority = 0x8000, senderPriority = 0x8000, stpPort = 0x8001;
    Mac rootAddress{}, senderAddress{};
    uint32_t rootCost = 4;
    uint16_t age = 0, maxAge = 20 << 8, helloTime = 2 << 8, forwardDelay = 15 << 8;

    std::string describe() const;
};

// The frame's bytes, with `tag` in its payload.
std::string buildFrame(const FrameSpec& spec, uint32_t tag);

// Sends frames out of `fromIf` in namespace `from` and reports which of
// them `toIf` in namespace `to` received (by tag), waiting `settle` after
// the last one.
class FrameProbe {
public:
    FrameProbe(const Netns& from, const std::string& fromIf, const Netns& to, const std::string& toIf);
    ~FrameProbe();
    FrameProbe(const FrameProbe&) = delete;
    FrameProbe& operator=(const FrameProbe&) = delete;

    std::set<uint32_t> deliver(const std::vector<std::pair<uint32_t, std::string>>& frames, int settleMs = 150);

private:
    int sendFd_ = -1, receiveFd_ = -1;
    int sendIndex_ = 0;
};

} // namespace vnf::test
