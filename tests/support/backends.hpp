// SPDX-License-Identifier: GPL-2.0-or-later
// The nwfilter backends integration tests run with, and what this kernel
// can do with them.
#pragma once

#include "firewall/backend.hpp"
#include "support/netns.hpp"

#include <map>
#include <set>
#include <ostream>
#include <string>
#include <vector>

namespace vnf::test {

struct BackendVariant {
    std::string name;  // for test names: EbiptablesBatch, EbiptablesExec, Nftables
    fw::NwfilterBackendConfig config;
    // The lines vnetfilterd.conf needs for it.
    std::string configLines() const;
};

// For gtest's messages: the name, not the bytes.
inline void PrintTo(const BackendVariant& variant, std::ostream* os)
{
    *os << variant.name;
}

std::vector<BackendVariant> allBackendVariants();
// The default backend and nftables: for daemon-level tests.
std::vector<BackendVariant> daemonBackendVariants();

// Does the bridge family have connection tracking here (nf_conntrack_bridge,
// CONFIG_NF_CONNTRACK_BRIDGE)? The nftables backend's stateful rules need it.
bool bridgeConntrackAvailable();
// `filterXml` as the daemon tests' backend can apply it here: with the
// nftables backend on a kernel without bridge conntrack, every rule gets
// statematch='false' (the tests are about the daemon, not conntrack; the
// packet tests cover both).
std::string withoutConntrackIfNeeded(std::string filterXml);
// True when the daemon tests' filters must do without connection tracking.
bool statelessFilters();

// The nftables backend's table as `nft -s list` shows it, read back into
// its parts.
struct NftTableView {
    std::map<std::string, std::vector<std::string>> chains;  // name -> rules, in order
    // map name -> port -> the chain it jumps to
    std::map<std::string, std::map<std::string, std::string>> maps;
    std::map<std::string, std::vector<std::string>> sets;  // name -> elements
    // Ports still joining (the `joining` set): `maps` shows them where their
    // group's joining rule sends them, as a frame finds them.
    std::set<std::string> joining;
    bool exists = false;
    // Made with the owner flag, so no other process can change it (Linux
    // 6.9 and later; before, the daemon makes a plain table).
    bool owned = false;
    // Every rule a port's frames can meet from one dispatch map, jumps followed.
    std::vector<std::string> rulesOf(const std::string& map, const std::string& port) const;
};
NftTableView nftTable(const Netns& ns);
// The same from `nft -s list table bridge vnetfilter`'s output.
NftTableView parseNftTable(const std::string& listing);

// Ports with a rule for TCP to destination port `dport` on frames to the
// guest, whichever backend the daemon tests run.
size_t portsWithTcpDport(const Netns& ns, bool ipv6, int dport);
// Does any rule of either backend name this port (its own chains or entries)?
bool portHasRules(const Netns& ns, const std::string& port);

inline constexpr const char* kNoBridgeConntrack =
    "this kernel has no connection tracking in the bridge family (CONFIG_NF_CONNTRACK_BRIDGE); the nftables "
    "backend refuses stateful rules here";

} // namespace vnf::test
