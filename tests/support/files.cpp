// SPDX-License-Identifier: GPL-2.0-or-later
#include "support/files.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace vnf::test {

std::optional<std::filesystem::path> conformanceDir()
{
    std::filesystem::path dir = VNETFILTER_CONFORMANCE_DIR;
    if (const char* env = std::getenv("VNETFILTER_CONFORMANCE_DIR"); env && *env)
        dir = env;
    if (std::filesystem::is_directory(dir / "tests"))
        return dir;
    return std::nullopt;
}

std::string conformanceSkipMessage()
{
    return std::string("libvirt conformance data not found at ") + VNETFILTER_CONFORMANCE_DIR +
           " (set VNETFILTER_CONFORMANCE_DIR to its location); skipping";
}

std::string readFile(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + path.string());
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::filesystem::path builtinFilterDir()
{
    return VNETFILTER_BUILTIN_FILTER_DIR;
}

} // namespace vnf::test
