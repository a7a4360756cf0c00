// SPDX-License-Identifier: GPL-2.0-or-later
// ebtables rules as nf_tables expressions, written the way ebtables-nft
// (iptables 1.8, nf_tables variant) writes them: the frame header fields
// (-s, -d, -i, -o, -p) as native payload/meta comparisons, the extensions
// (ip, ip6, arp, vlan, stp) as x_tables matches carrying the kernel's
// struct ebt_*_info, then a counter and the verdict. Rules written this way
// are listed by ebtables/ebtables-save exactly like the tool's own, and a
// test compares both in the kernel, expression by expression.
//
// Pure. Only the subset of ebtables syntax that vnetfilter's renderer
// produces is understood; anything else - and any value ebtables itself
// would refuse - is an UnsupportedRule, so that the caller can leave that
// rule to the ebtables tool rather than guess.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace vnf::fw::ebip {

class UnsupportedRule : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct EncodedEbRule {
    std::string expressions;   // the contents of NFTA_RULE_EXPRESSIONS
    // NFTA_RULE_COMPAT: the x_tables matches check the rule's protocol
    // (ebt_ip wants -p IPv4, ...); the kernel takes it from here.
    uint16_t compatProto = 0;  // ethertype, host order; 0 without -p
    bool compatInvert = false; // -p ! ...
};

// Encodes the arguments of one rule (what follows "-A CHAIN").
EncodedEbRule encodeEbtablesRule(const std::vector<std::string>& args);

// ebtables-nft gives each user-defined chain its policy as a last rule:
// counter + verdict, marked by this rule userdata. vnetfilter's chains all
// have policy ACCEPT.
std::string policyRuleExpressions();
std::string policyRuleUserdata();

} // namespace vnf::fw::ebip
