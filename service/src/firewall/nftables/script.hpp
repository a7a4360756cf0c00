// SPDX-License-Identifier: GPL-2.0-or-later
// The nftables backend's ruleset as an `nft -f` script: what
// `vnetfilterctl plan --backend nftables` prints, and the words the backend
// uses for rules in counters. Loading the script gives the ruleset the
// daemon writes over netlink (a test checks it). Pure.
#pragma once

#include "firewall/nftables/model.hpp"

#include <map>
#include <string>

namespace vnf::fw::nft {

// One rule in nft's words; sets are named after `group`.
std::string ruleText(const Rule& rule, const std::string& group);

// Everything that makes a shape what it is, as text (groupName hashes it).
std::string shapeText(const Shape& shape);

// The whole table for these ports. The daemon's table also has the owner
// and persist flags, which belong to its netlink socket: a script cannot
// hold them.
std::string tableScript(const std::map<std::string, PortLayout>& ports);

} // namespace vnf::fw::nft
