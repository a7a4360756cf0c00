// SPDX-License-Identifier: GPL-2.0-or-later
// Frames for address learning built byte by byte, as a guest or a DHCP
// server would send them: Ethernet (optionally 802.1Q), IPv4, UDP, BOOTP
// with DHCP options, ARP. Header-only and free of the test framework, so
// that the unit tests and the frame fuzzer's seed writer share it.
#pragma once

#include "conf/netaddr.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace vnf::test {

using DhcpOptionList = std::vector<std::pair<uint8_t, std::vector<uint8_t>>>;

inline std::vector<uint8_t> be32(uint32_t v)
{
    return {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8),
            static_cast<uint8_t>(v)};
}

class FrameBuilder {
public:
    FrameBuilder& ethernet(const conf::MacAddr& dst, const conf::MacAddr& src, uint16_t type, bool vlan = false)
    {
        bytes(dst.bytes);
        bytes(src.bytes);
        if (vlan) {
            u16(0x8100);
            u16(42);
        }
        u16(type);
        return *this;
    }
    // addresses in host byte order
    FrameBuilder& ipv4(uint32_t src, uint32_t dst, uint8_t protocol, uint16_t payloadLength)
    {
        u8(0x45);
        u8(0);
        u16(static_cast<uint16_t>(20 + payloadLength));
        u16(0);
        u16(0x4000);  // don't fragment
        u8(64);
        u8(protocol);
        u16(0);
        u32(src);
        u32(dst);
        return *this;
    }
    FrameBuilder& udp(uint16_t sport, uint16_t dport, uint16_t payloadLength)
    {
        u16(sport);
        u16(dport);
        u16(static_cast<uint16_t>(8 + payloadLength));
        u16(0);
        return *this;
    }
    // A BOOTP message with the given DHCP options (code, value bytes).
    FrameBuilder& dhcp(uint8_t op, const conf::MacAddr& chaddr, uint32_t ciaddr, uint32_t yiaddr,
                       const DhcpOptionList& options)
    {
        u8(op);
        u8(1);
        u8(6);
        u8(0);
        u32(0x12345678);
        u16(0);
        u16(0);
        u32(ciaddr);
        u32(yiaddr);
        u32(0);
        u32(0);
        bytes(chaddr.bytes);
        data_.resize(data_.size() + 10 + 64 + 128, 0);
        u32(0x63825363);
        for (const auto& [code, value] : options) {
            u8(code);
            u8(static_cast<uint8_t>(value.size()));
            data_.insert(data_.end(), value.begin(), value.end());
        }
        u8(255);
        return *this;
    }
    FrameBuilder& arp(uint16_t op, const conf::MacAddr& sha, uint32_t spa, uint32_t tpa)
    {
        u16(1);
        u16(0x0800);
        u8(6);
        u8(4);
        u16(op);
        bytes(sha.bytes);
        u32(spa);
        bytes(std::array<uint8_t, 6>{});
        u32(tpa);
        return *this;
    }
    std::vector<uint8_t> take() { return std::move(data_); }
    std::vector<uint8_t> truncated(size_t length)
    {
        data_.resize(length);
        return std::move(data_);
    }

private:
    template <typename C>
    void bytes(const C& c) { data_.insert(data_.end(), c.begin(), c.end()); }
    void u8(uint8_t v) { data_.push_back(v); }
    void u16(uint16_t v) { u8(static_cast<uint8_t>(v >> 8)), u8(static_cast<uint8_t>(v)); }
    void u32(uint32_t v) { u16(static_cast<uint16_t>(v >> 16)), u16(static_cast<uint16_t>(v)); }
    std::vector<uint8_t> data_;
};

// A DHCP message of `type` from `server` (op 2) carrying `yiaddr` for the
// client `chaddr`, sent to `dst` by `serverMac`.
inline std::vector<uint8_t> dhcpServerFrame(uint8_t type, uint32_t server, uint32_t yiaddr,
                                            std::optional<uint32_t> lease, const conf::MacAddr& dst,
                                            const conf::MacAddr& serverMac, const conf::MacAddr& chaddr)
{
    DhcpOptionList options = {{53, {type}}, {54, be32(server)}};
    if (lease)
        options.push_back({51, be32(*lease)});
    const size_t dhcpLength = FrameBuilder().dhcp(2, chaddr, 0, yiaddr, options).take().size();
    return FrameBuilder()
        .ethernet(dst, serverMac, 0x0800)
        .ipv4(server, yiaddr, 17, static_cast<uint16_t>(8 + dhcpLength))
        .udp(67, 68, static_cast<uint16_t>(dhcpLength))
        .dhcp(2, chaddr, 0, yiaddr, options)
        .take();
}

// A DHCP message of `type` from the client `guest` (op 1) with IPv4 source
// `source` and `ciaddr`, to `dst`, with `extra` options after the type.
inline std::vector<uint8_t> dhcpClientFrame(uint8_t type, const conf::MacAddr& guest, uint32_t source,
                                            uint32_t ciaddr, const conf::MacAddr& dst, uint32_t server,
                                            const DhcpOptionList& extra = {})
{
    DhcpOptionList options = {{53, {type}}};
    options.insert(options.end(), extra.begin(), extra.end());
    return FrameBuilder()
        .ethernet(dst, guest, 0x0800)
        .ipv4(source, server, 17, 300)
        .udp(68, 67, 292)
        .dhcp(1, guest, ciaddr, 0, options)
        .take();
}

} // namespace vnf::test
