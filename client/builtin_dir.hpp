// SPDX-License-Identifier: GPL-2.0-or-later
// Where the built-in filters are: installed, or (when running from a build
// tree) in the source tree.
#pragma once

#include <filesystem>
#include <string>

namespace vnf::client {

inline std::string builtinFilterDir()
{
    if (std::filesystem::is_directory(VNETFILTER_INSTALLED_FILTER_DIR))
        return VNETFILTER_INSTALLED_FILTER_DIR;
    return VNETFILTER_SOURCE_FILTER_DIR;
}

} // namespace vnf::client
