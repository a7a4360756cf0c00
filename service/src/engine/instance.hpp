// SPDX-License-Identifier: GPL-2.0-or-later
// The engine's output: concrete rule instances for one port, every variable
// replaced by a checked value, in the order libvirt applies them.
#pragma once

#include "conf/nwfilter.hpp"

#include <set>
#include <string>
#include <vector>

namespace vnf::engine {

struct ResolvedAttr {
    conf::AttrId id;
    conf::Literal value;
    bool negated = false;
    bool operator==(const ResolvedAttr&) const = default;
};

struct RuleInstance {
    conf::Action action = conf::Action::Accept;
    conf::Direction direction = conf::Direction::InOut;
    int priority = conf::kDefaultRulePriority;
    bool statematch = true;
    conf::Protocol protocol = conf::Protocol::None;
    std::vector<ResolvedAttr> attrs;  // in the protocol's attribute order

    std::string chain;      // chain suffix of the filter the rule belongs to ("root", "mac", ...)
    int chainPriority = 0;  // that filter's chain priority
    std::string origin;     // the XML rule it came from: "clean-traffic rule 3" (for counters)

    const ResolvedAttr* get(conf::AttrId id) const;
    bool has(conf::AttrId id) const { return get(id) != nullptr; }
    bool inRootChain() const { return chain == "root"; }
    bool operator==(const RuleInstance&) const = default;
};

// Variables bound for an instantiation: name -> list of values.
using Variables = conf::Parameters;

struct Instantiation {
    std::vector<RuleInstance> rules;
    // Variables the filters use that were not given and can be learned from
    // traffic (IP, IPV6). When not empty, `rules` is empty: the port cannot
    // be instantiated until they are known.
    std::set<std::string> learnable;
};

// Names of the variables the engine treats specially.
inline constexpr const char* kVarMac = "MAC";
inline constexpr const char* kVarIp = "IP";
inline constexpr const char* kVarIpv6 = "IPV6";
inline constexpr const char* kVarDhcpServer = "DHCPSERVER";
inline constexpr const char* kVarDhcpServerV6 = "DHCPSERVERV6";
inline constexpr const char* kVarIpLearning = "CTRL_IP_LEARNING";

} // namespace vnf::engine
