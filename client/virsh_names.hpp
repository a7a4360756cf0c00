// SPDX-License-Identifier: GPL-2.0-or-later
// virsh's names for the commands' arguments and its flags that change
// nothing here, so a script written for virsh runs with vnetfilterctl as
// it is: `net-define --file net.xml --validate`, `net-start --network
// default`, `nwfilter-binding-delete --binding vnet0`.
#pragma once

#include "cli.hpp"

#include <vector>

namespace vnf::client {

// Gives each command that virsh has its argument names (in order) and
// accepts virsh's --validate where virsh has it.
void addVirshNames(std::vector<Command>& commands);

} // namespace vnf::client
