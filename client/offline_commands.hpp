// SPDX-License-Identifier: GPL-2.0-or-later
// Commands that need no daemon: they work on definition files directly.
#pragma once

#include "cli.hpp"

#include <vector>

namespace vnf::client {

std::vector<Command> offlineCommands();

} // namespace vnf::client
