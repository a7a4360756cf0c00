// SPDX-License-Identifier: GPL-2.0-or-later
// Comparable snapshots of the firewall tables of a namespace.
#pragma once

#include "support/netns.hpp"

#include <ostream>
#include <string>

namespace vnf::test {

struct TablesSnapshot {
    std::string ebtables;  // ebtables-save -t nat
    std::string ipv4;      // iptables-save -t filter
    std::string ipv6;      // ip6tables-save -t filter
    std::string nftBridge;  // nft -s list table bridge vnetfilter (the nftables backend's), "" when absent
    bool operator==(const TablesSnapshot&) const = default;
};

// Chains sorted by name, each with its rules in order, except that rules of
// built-in chains and of the chains all ports share are sorted too: their
// order carries no meaning (each rule is keyed by its own port) and differs
// between exec and batch mode after updates.
TablesSnapshot snapshotTables(const Netns& ns);

std::string describe(const TablesSnapshot& snapshot);

// For gtest's messages.
inline void PrintTo(const TablesSnapshot& snapshot, std::ostream* os)
{
    *os << "\n" << describe(snapshot);
}

} // namespace vnf::test
