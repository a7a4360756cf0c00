// SPDX-License-Identifier: GPL-2.0-or-later
// Rendering of one rule instance into ebtables or iptables/ip6tables match
// arguments, exactly as libvirt writes them. Pure functions.
#pragma once

#include "engine/instance.hpp"
#include "firewall/ebiptables/names.hpp"
#include "firewall/ebiptables/packed_args.hpp"

#include <string>
#include <vector>

namespace vnf::fw::ebip {

// The arguments that follow "-A <chain>" in an ebtables rule for a layer-2
// rule instance (mac, vlan, stp, arp, rarp, ip, ipv6 or no protocol).
// `reverse` swaps source and destination: libvirt uses it for the
// guest-to-host half of an 'inout' rule.
std::vector<std::string> ebtablesRuleArgs(const engine::RuleInstance& rule, bool reverse);

// One iptables/ip6tables rule: the port chain it goes to and the arguments
// after "-A <chain>".
struct IptRule {
    IptChain chain;
    PackedArgs args;
    std::string origin;  // the XML rule it came from
    bool operator==(const IptRule&) const = default;
};

// The iptables (or ip6tables) rules of a layer-3/4 rule instance: up to
// three, in libvirt's order (forward-in, forward-out, host-in), each with the
// connection-tracking matches libvirt derives from the rule's direction,
// action, statematch and state attributes.
std::vector<IptRule> iptablesRules(const engine::RuleInstance& rule);

} // namespace vnf::fw::ebip
