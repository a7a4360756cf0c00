// SPDX-License-Identifier: GPL-2.0-or-later
// From a port's neutral policy to the nftables backend's shape and per-port
// values (model.hpp), with libvirt's meaning of direction, state, priority
// and actions (firewall/rule_order.hpp). Pure.
#pragma once

#include "firewall/backend.hpp"
#include "firewall/nftables/model.hpp"

namespace vnf::fw::nft {

// Throws BackendError for a rule nftables cannot express natively (the
// message names the rule and what is missing); the driver then fails the
// binding closed.
PortLayout layoutOf(const PortPolicy& policy, std::vector<struct SlotSource>* sources = nullptr);

// Where a slot's value comes from: an address attribute of one rule instance.
// Ports bound to the same filter differ only there, so the backend lays a
// filter out once and reads the next port's values straight from its rules.
struct SlotSource {
    size_t rule;
    conf::AttrId attr;
};

// Hash of the rules with every address left out (a cache key).
uint64_t hashApartFromAddresses(const std::vector<engine::RuleInstance>& rules);
// The same rules, except for the values `sources` names? Addresses that are
// not slots (masked ones stay in the rule) must be equal too.
bool sameApartFrom(const std::vector<engine::RuleInstance>& a, const std::vector<engine::RuleInstance>& b,
                   const std::vector<SlotSource>& sources);
// The slot values of a port with these rules.
std::vector<std::string> slotValuesOf(const std::vector<engine::RuleInstance>& rules,
                                      const std::vector<SlotSource>& sources, const std::vector<SlotType>& slots);

} // namespace vnf::fw::nft
