// SPDX-License-Identifier: GPL-2.0-or-later
// Test helpers for locating and reading data files.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace vnf::test {

// libvirt's conformance data: $VNETFILTER_CONFORMANCE_DIR, else the directory
// configured at build time. nullopt when it is not there (tests then skip).
std::optional<std::filesystem::path> conformanceDir();

// The message tests print when they skip for lack of conformance data.
std::string conformanceSkipMessage();

std::string readFile(const std::filesystem::path& path);

// The source tree's built-in filters (service/nwfilter).
std::filesystem::path builtinFilterDir();

} // namespace vnf::test
