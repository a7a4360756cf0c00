// SPDX-License-Identifier: GPL-2.0-or-later
// What both network rule renderers agree on, independent of the tool: how
// each address of a network is treated by its forward mode, and the NAT
// details (source ports, SNAT target, destinations left alone).
#pragma once

#include "conf/network.hpp"

#include <optional>
#include <string>
#include <vector>

namespace vnf::fw::net {

// An address of a network that gets forwarding rules: routed both ways, or
// masqueraded (out with NAT, in only what answers). Isolated and open
// networks' addresses have none.
struct ForwardedAddress {
    const conf::IpDef* ip;  // into the network it came from
    bool masqueraded;
};

// The network's forwarded addresses, in the definition's order (the order
// libvirt writes their rules in). Both renderers walk this one list.
std::vector<ForwardedAddress> forwardedAddresses(const conf::NetworkDef& network);

// The masquerade rules, in libvirt's order: all protocols, then udp and tcp
// with the source port range.
inline constexpr const char* kNatProtocols[] = {"", "udp", "tcp"};

// "1024-65535", or the <nat><port> range.
std::string natPorts(const conf::NatDef& nat);

// The SNAT target ("A[-B][:PORTS]") when the network gives <nat><address>
// (IPv4 only); nullopt: masquerade.
std::optional<std::string> snatTarget(const conf::NetworkDef& network, const conf::IpDef& ip, bool withPorts);

// Broadcast and multicast destinations that stay unmasqueraded.
std::vector<std::string> unmasqueradedDestinations(bool ipv6);

} // namespace vnf::fw::net
