// SPDX-License-Identifier: GPL-2.0-or-later
// virsh net-desc and net-metadata: a network's title, description and other
// applications' <metadata> elements, read and changed on their own.
#pragma once

#include "cli.hpp"

#include <vector>

namespace vnf::client {

std::vector<Command> networkMetadataCommands();

} // namespace vnf::client
