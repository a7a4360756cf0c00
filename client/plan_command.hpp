// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "cli.hpp"

namespace vnf::client {

Command planCommand();

} // namespace vnf::client
