#pragma once

#include "cli.hpp"

namespace vnf::client {

Command netPlanCommand();

} // namespace vnf::client
