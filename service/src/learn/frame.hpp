// SPDX-License-Identifier: GPL-2.0-or-later
// What one captured Ethernet frame says about a guest's IPv4 address. Pure:
// bytes in, an observation out; every length is checked, nothing is trusted.
#pragma once

#include "conf/netaddr.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace vnf::learn {

// An IPv4 address in host byte order.
using Ipv4 = uint32_t;
std::string formatIpv4(Ipv4 address);
std::optional<Ipv4> parseIpv4(const std::string& text);
// An address a guest may own: not 0.0.0.0, not multicast, not the limited
// broadcast, not in 0.0.0.0/8 or 240.0.0.0/4.
bool isUsableGuestAddress(Ipv4 address);

struct Observation {
    enum class Kind {
        Ipv4Source,   // an IPv4 packet from the guest: its source address
        ArpReply,     // an ARP reply from the guest: its sender address
        ArpRequest,   // an ARP request from the guest: its sender (a probe's target)
        DhcpOffer,    // a server offers `address` to the guest
        DhcpAck,      // a server gives `address` to the guest for `leaseSeconds`
        DhcpNak,      // a server refuses the guest's request
        DhcpRelease,  // the guest gives `address` back
        DhcpDecline,  // the guest refuses `address` (in use by someone else)
    };
    Kind kind = Kind::Ipv4Source;
    Ipv4 address = 0;
    // DHCP from a server: the packet's IPv4 source (who sent it).
    Ipv4 sender = 0;
    // DHCPACK: option 51; nullopt when absent, 0xffffffff means forever.
    std::optional<uint32_t> leaseSeconds;
    bool operator==(const Observation&) const = default;
};

// Which way a frame crossed the guest's port, as the kernel saw it (the
// capture's direction), never as the frame's addresses claim: a guest can
// write any address into a frame, but cannot make it travel towards itself.
enum class FrameDirection {
    FromGuest,  // sent by the guest (received on the host side of its port)
    ToGuest,    // sent to the guest (transmitted on its port)
};

// The observation in `frame` about the guest with MAC `guest`, if any.
// Frames may carry one 802.1Q tag. DHCP messages count only when their
// client hardware address is the guest's; server messages (OFFER, ACK, NAK)
// only when they travel to the guest, client messages (RELEASE, DECLINE),
// ARP and IPv4 sources only when they come from it (source MAC the guest's).
std::optional<Observation> inspectFrame(std::span<const uint8_t> frame, const conf::MacAddr& guest,
                                        FrameDirection direction);

} // namespace vnf::learn
