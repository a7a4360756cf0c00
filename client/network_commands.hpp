// SPDX-License-Identifier: GPL-2.0-or-later
// vnetfilterctl's net-* commands (virsh's names) for virtual networks.
#pragma once

#include "cli.hpp"

#include <vector>

namespace vnf::client {

std::vector<Command> networkCommands();

} // namespace vnf::client
