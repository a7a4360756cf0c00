// SPDX-License-Identifier: GPL-2.0-or-later
// Commands that talk to vnetfilterd over D-Bus.
#pragma once

#include "cli.hpp"

#include <vector>

namespace vnf::client {

std::vector<Command> onlineCommands();

} // namespace vnf::client
