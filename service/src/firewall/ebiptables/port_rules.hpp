// SPDX-License-Identifier: GPL-2.0-or-later
// Everything one port gets from the ebtables/iptables backend, in a form
// independent of chain naming (final or temporary) and of how it is applied
// (libvirt's command sequence in exec mode, restore scripts in batch mode).
#pragma once

#include "conf/netaddr.hpp"
#include "engine/instance.hpp"
#include "firewall/ebiptables/rule_render.hpp"

#include <map>
#include <string>
#include <vector>

namespace vnf::fw::ebip {

// A protocol sub-chain of the ebtables root chain (I-<if>-<suffix>).
struct EbSubchain {
    bool incoming;  // frames from the guest (I/J) or to it (O/P)
    std::string suffix;
    int priority;
    bool operator==(const EbSubchain&) const = default;
};

// An ebtables rule: in the root chain (suffix empty) or a sub-chain.
struct EbRule {
    bool incoming;
    std::string suffix;
    PackedArgs args;  // after "-A <chain>"
    std::string origin;             // the XML rule it came from ("" for the learning sets)
    bool operator==(const EbRule&) const = default;
};

// The ebtables work in libvirt's order: creating (and jumping to) a
// sub-chain, or appending a rule. The order fixes the order of the rules
// in every chain, root-chain jumps included.
struct EbStep {
    enum class Kind { CreateSubchain, AppendRule } kind;
    size_t index;  // into subchains or rules
    bool operator==(const EbStep&) const = default;
};

struct PortRuleSet {
    std::string ifname;
    bool ebIn = false;   // the root chain for frames from the guest exists
    bool ebOut = false;  // the root chain for frames to the guest exists
    std::vector<EbSubchain> subchains;
    std::vector<EbRule> ebRules;
    std::vector<EbStep> ebSteps;
    std::vector<IptRule> ip4;
    std::vector<IptRule> ip6;

    bool hasEbtables() const { return ebIn || ebOut; }
    bool operator==(const PortRuleSet&) const = default;
};

// The rules of a filter instantiation for port `ifname`, in libvirt's order:
// layer-2 rules with their sub-chains interleaved by priority, then the
// iptables and ip6tables rules.
PortRuleSet renderPort(const std::string& ifname, const std::vector<engine::RuleInstance>& rules);

// The rule sets a port has while its IP address is being learned.
// Basic: frames from the guest with a foreign source MAC are dropped, IPv4
// and ARP accepted, everything else dropped.
PortRuleSet basicRules(const std::string& ifname, const conf::MacAddr& mac);
// DHCP only: the guest may send DHCP requests and receive replies from the
// given servers (from any server when the list is empty); nothing else.
PortRuleSet dhcpOnlyRules(const std::string& ifname, const conf::MacAddr& mac,
                          const std::vector<std::string>& dhcpServers);
// Nothing in, nothing out.
PortRuleSet dropAllRules(const std::string& ifname);

// Gives back what rendering reserved and did not use (vectors grown by
// doubling, strings built by appending). The backend keeps every port's
// set for as long as the port is bound: at 10,000 ports that slack was
// tens of MB.
void shrinkToFit(PortRuleSet& set);

} // namespace vnf::fw::ebip
