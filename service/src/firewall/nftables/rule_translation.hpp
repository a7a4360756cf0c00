// SPDX-License-Identifier: GPL-2.0-or-later
// One libvirt rule instance in the nftables backend's terms: the matches of
// a layer-2 rule (ebtables' meaning; the l2i/l2o chains), a layer-3/4 rule
// in one of its passes (iptables' meaning; the fi/fo/hi chains), the
// verdict of an action, a comment nft can read back. Throws BackendError
// for what nftables cannot express natively (naming the rule). Pure.
#pragma once

#include "engine/instance.hpp"
#include "firewall/nftables/matches.hpp"
#include "firewall/rule_order.hpp"

#include <optional>
#include <string>
#include <vector>

namespace vnf::fw::nft::build {

// No double quotes, at most 128 bytes.
std::string commentText(std::string text);
RuleVerdict verdictOf(conf::Action action);
// `output`: the port is the destination (its slots are keyed by the output
// port); `reverse`: the rule's source and destination swapped.
std::vector<Match> layer2Matches(Builder& b, const engine::RuleInstance& rule, bool output, bool reverse);
// nullopt when the rule does not apply in that pass.
std::optional<Rule> layer3Rule(Builder& b, const engine::RuleInstance& rule, const Layer3Pass& pass);

} // namespace vnf::fw::nft::build
