// The command sequences of libvirt's ebiptables driver, step by step. Exec
// mode runs them one process per command; `vnetfilterctl plan` prints them.
//
//   apply new rules  build the port's rules in temporary chains and link them
//   tear new rules   remove the temporary chains (roll back)
//   tear old rules   remove the old chains and rename the temporary ones
//                    to their final names (switch over)
//   all teardown     remove everything of the port
//
// libvirt discovers sub-chains by listing the root chains (ebtables -L);
// those listings appear as query commands, and the sub-chains they would
// reveal are passed in, because vnetfilter knows them from its record.
#pragma once

#include "firewall/command.hpp"
#include "firewall/ebiptables/port_rules.hpp"

#include <string>
#include <vector>

namespace vnf::fw::ebip {

// The sub-chains a port has, as libvirt would find them by listing.
struct KnownSubchains {
    std::vector<EbSubchain> final;      // I-/O- sub-chains
    std::vector<EbSubchain> temporary;  // J-/P- sub-chains
};

Plan applyNewRules(const PortRuleSet& rules, const std::vector<EbSubchain>& leftoverTemporary = {});
Plan tearNewRules(const std::string& ifname, const std::vector<EbSubchain>& temporary);
Plan tearOldRules(const std::string& ifname, const KnownSubchains& subchains);
Plan allTeardown(const std::string& ifname, const KnownSubchains& subchains);

} // namespace vnf::fw::ebip
