// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <string>

namespace vnf::client {

// Reads a whole file, or standard input when `path` is "-". Throws
// std::runtime_error with the path and the reason.
std::string readInput(const std::string& path);

// What messages call the input `path` names: "standard input" for "-".
std::string inputName(const std::string& path);

} // namespace vnf::client
