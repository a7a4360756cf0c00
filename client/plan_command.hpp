#pragma once

#include "cli.hpp"

namespace vnf::client {

Command planCommand();

} // namespace vnf::client
