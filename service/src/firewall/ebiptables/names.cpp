// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/ebiptables/names.hpp"

#include "firewall/rule_order.hpp"

#include <cstdio>

namespace vnf::fw::ebip {

std::string ebRootChain(std::string_view ifname, bool incoming, Names names)
{
    const char* prefix = names == Names::Final ? (incoming ? "libvirt-I-" : "libvirt-O-")
                                               : (incoming ? "libvirt-J-" : "libvirt-P-");
    return prefix + std::string(ifname);
}

std::string ebSubChain(std::string_view ifname, bool incoming, std::string_view suffix, Names names)
{
    const char* prefix = names == Names::Final ? (incoming ? "I-" : "O-") : (incoming ? "J-" : "P-");
    return prefix + std::string(ifname) + "-" + std::string(suffix);
}

std::string iptChain(IptChain chain, std::string_view ifname, Names names)
{
    const bool final = names == Names::Final;
    switch (chain) {
    case IptChain::ForwardIn: return (final ? "FI-" : "FJ-") + std::string(ifname);
    case IptChain::ForwardOut: return (final ? "FO-" : "FP-") + std::string(ifname);
    case IptChain::HostIn: return (final ? "HI-" : "HJ-") + std::string(ifname);
    }
    return {};
}

std::vector<std::string> subChainJumpMatch(std::string_view suffix)
{
    const int ethertype = subchainEthertype(suffix);
    if (ethertype == 0)
        return {};
    if (ethertype < 0)
        return {"-d", "01:80:c2:00:00:00"};
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%04x", ethertype);
    return {"-p", buf};
}

IptLink iptLink(IptChain chain, std::string_view ifname, Names names)
{
    const std::string target = iptChain(chain, ifname, names);
    const std::string port(ifname);
    switch (chain) {
    case IptChain::ForwardOut:
        return {kLibvirtOut, {"-m", "physdev", "--physdev-is-bridged", "--physdev-out", port, "-g", target}};
    case IptChain::ForwardIn:
        return {kLibvirtIn, {"-m", "physdev", "--physdev-in", port, "-g", target}};
    case IptChain::HostIn:
        return {kLibvirtHostIn, {"-m", "physdev", "--physdev-in", port, "-g", target}};
    }
    return {};
}

} // namespace vnf::fw::ebip
