// SPDX-License-Identifier: GPL-2.0-or-later
// The ebtables nat table as the kernel holds it: every chain, and every
// rule's expressions (counter values left out) and userdata, in order. Two
// ways of writing the same rules must leave this identical byte for byte -
// a stronger check than comparing ebtables-save output, which can print
// different encodings alike.
#pragma once

#include "support/netns.hpp"

#include <string>

namespace vnf::test {

enum class BuiltinChainOrder { Keep, Ignore };

// One line per chain ("chain NAME [hook]") and per rule (its canonical
// expressions, then "userdata=" and its bytes when it has some). Chains are
// sorted by name; rules keep their order, except that with Ignore the rules
// of built-in chains (PREROUTING, ...) are sorted: there each port's jump is
// on its own, and an undo may put one back at the end.
std::string bridgeNatBytecode(const Netns& ns, BuiltinChainOrder order = BuiltinChainOrder::Keep);

} // namespace vnf::test
