// SPDX-License-Identifier: GPL-2.0-or-later
// The command sequences of libvirt's ebiptables driver, step by step. Exec
// mode runs them one process per command; `vnetfilterctl plan` prints them.
//
//   apply new rules  build the port's rules in temporary chains and link them
//   tear new rules   remove the temporary chains (roll back)
//   tear old rules   remove the old chains and rename the temporary ones
//                    to their final names (switch over)
//   all teardown     remove everything of the port
//
// libvirt does not know what exists: it runs every cleanup command and
// ignores its failure, and it lists root chains (ebtables -L) to find
// sub-chains. Given an exact PortState (exec mode knows it from its record)
// the same sequences contain only the cleanups whose targets exist, none of
// them allowed to fail, and no listings.
#pragma once

#include "firewall/command.hpp"
#include "firewall/ebiptables/port_rules.hpp"

#include <string>
#include <vector>

namespace vnf::fw::ebip {

struct PortState {
    // true: the fields below say exactly what exists; false: unknown, emit
    // libvirt's defensive sequence.
    bool exact = false;
    const PortRuleSet* installed = nullptr;  // the port's rules under final names
    bool base4 = false;                      // libvirt-in & co. exist for iptables
    bool base6 = false;                      // ... for ip6tables
};

Plan applyNewRules(const PortRuleSet& rules, const PortState& before = {});
// Roll back a failed apply: remove whatever temporary chains `rules` may have.
Plan tearNewRules(const PortRuleSet& rules);
// Switch over to the temporary chains holding `newRules`.
Plan tearOldRules(const PortRuleSet& newRules, const PortState& before = {});
// Remove all of the port (final chains per `before`, and any temporary ones
// of `pending` when given).
Plan allTeardown(const std::string& ifname, const PortState& before = {}, const PortRuleSet* pending = nullptr);

} // namespace vnf::fw::ebip
