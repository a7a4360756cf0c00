// SPDX-License-Identifier: GPL-2.0-or-later
// libvirt's placement of a port's rule instances, independent of any
// backend: which layer-2 sub-chains exist, in which order they are created
// (and jumped to) among the layer-2 rules, and the connection-tracking passes
// of each layer-3/4 rule. Both nwfilter backends render from these, so they
// agree on order and on the meaning of direction and state. Pure.
#pragma once

#include "engine/instance.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vnf::fw {

// A protocol sub-chain of a port's layer-2 root chain.
struct Layer2Subchain {
    bool fromGuest;  // frames the guest sends (libvirt's I chains) or receives (O chains)
    std::string suffix;
    int priority;
    bool operator==(const Layer2Subchain&) const = default;
};

// One step in libvirt's order: creating (and jumping to) a sub-chain, or
// appending a rule to the root chain (suffix empty) or a sub-chain.
struct Layer2Step {
    enum class Kind { CreateSubchain, AppendRule } kind;
    size_t index = 0;        // CreateSubchain: into subchains; AppendRule: into the rule instances
    bool fromGuest = false;  // AppendRule
    bool reverse = false;    // AppendRule: source and destination swapped (the guest's half of 'inout')
    bool operator==(const Layer2Step&) const = default;
};

struct Layer2Order {
    bool fromGuest = false;  // a root chain for frames from the guest exists
    bool toGuest = false;
    std::vector<Layer2Subchain> subchains;
    std::vector<Layer2Step> steps;
};

bool isLayer2(const engine::RuleInstance& rule);

// The layer-2 rules of `rules` (others are skipped), in libvirt's order:
// sub-chains interleaved by priority, frames-from-guest first.
Layer2Order layer2Order(const std::vector<engine::RuleInstance>& rules);

// The ethertype that leads from a root chain into a sub-chain of this suffix
// (by its prefix: ipv4 0x0800, arp 0x0806, ...); 0 for none (mac, root,
// unknown), -1 for stp (frames to the bridge group address instead).
int subchainEthertype(std::string_view suffix);

// Where libvirt checks a layer-3/4 rule.
enum class Layer3Chain {
    ForwardFromGuest,  // bridged traffic the guest sends (libvirt's FI chains)
    ForwardToGuest,    // bridged traffic to the guest (FO)
    HostFromGuest,     // traffic from the guest to the host (HI)
};

// One of the up to three places a layer-3/4 rule is checked, with libvirt's
// connection-tracking meaning.
struct Layer3Pass {
    Layer3Chain chain;
    bool reverse;                  // source and destination swapped
    std::optional<uint64_t> state; // conntrack state bits (conf::kState*) to match, if any
    bool stateIsDefault;           // derived from the direction: also matches the conntrack direction,
                                   // and applies to accepting rules only
    bool acceptContinues;          // 'accept' lets later filters see the packet (libvirt RETURNs)
    bool maySkipIcmp;              // an ICMP rule with a type does not apply here
};

// The passes of a layer-3/4 rule, in libvirt's order.
std::vector<Layer3Pass> layer3Passes(const engine::RuleInstance& rule);

} // namespace vnf::fw
