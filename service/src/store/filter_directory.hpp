// SPDX-License-Identifier: GPL-2.0-or-later
// Loading a directory of filter definition files (*.xml).
#pragma once

#include "engine/filter_lookup.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace vnf::store {

struct LoadProblem {
    std::filesystem::path file;
    std::string message;
};

// Every *.xml file in `dir` that parses as a <filter>; files that do not are
// reported in `problems` (when given) and skipped, never fatal. A missing
// directory yields an empty map.
engine::FilterMap loadFilterDirectory(const std::filesystem::path& dir, std::vector<LoadProblem>* problems = nullptr);

// Reads a file whole; throws std::runtime_error naming the file.
std::string readTextFile(const std::filesystem::path& path);

} // namespace vnf::store
