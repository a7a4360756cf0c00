// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/network/address_policy.hpp"

namespace vnf::fw::net {

std::vector<ForwardedAddress> forwardedAddresses(const conf::NetworkDef& network)
{
    std::vector<ForwardedAddress> forwarded;
    for (const conf::IpDef& ip : network.ips) {
        switch (network.forward.mode) {
        case conf::ForwardMode::Nat:
            // IPv6 is routed unless masquerading it is asked for (<nat ipv6='yes'>).
            forwarded.push_back({&ip, !ip.ipv6 || network.forward.nat.ipv6});
            break;
        case conf::ForwardMode::Route:
            forwarded.push_back({&ip, false});
            break;
        default:
            break;
        }
    }
    return forwarded;
}

std::string natPorts(const conf::NatDef& nat)
{
    return std::to_string(nat.portStart ? nat.portStart : 1024) + "-" + std::to_string(nat.portEnd ? nat.portEnd : 65535);
}

std::optional<std::string> snatTarget(const conf::NetworkDef& network, const conf::IpDef& ip, bool withPorts)
{
    const conf::NatDef& nat = network.forward.nat;
    if (ip.ipv6 || nat.addressStart.empty())
        return std::nullopt;
    std::string target = nat.addressStart;
    if (nat.addressEnd != nat.addressStart)
        target += "-" + nat.addressEnd;
    if (withPorts)
        target += ":" + natPorts(nat);
    return target;
}

std::vector<std::string> unmasqueradedDestinations(bool ipv6)
{
    if (ipv6)
        return {"ff02::/16"};
    return {"255.255.255.255/32", "224.0.0.0/24"};
}

} // namespace vnf::fw::net
