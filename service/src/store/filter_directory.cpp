// SPDX-License-Identifier: GPL-2.0-or-later
#include "store/filter_directory.hpp"

#include "conf/error.hpp"
#include "conf/xml.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace vnf::store {

std::string readTextFile(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error(path.string() + ": " + std::strerror(errno));
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

engine::FilterMap loadFilterDirectory(const std::filesystem::path& dir, std::vector<LoadProblem>* problems)
{
    engine::FilterMap filters;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        return filters;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
        if (entry.path().extension() == ".xml" && entry.is_regular_file())
            files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
        try {
            std::error_code sizeError;
            if (std::filesystem::file_size(file, sizeError) > conf::kMaxDefinitionBytes)
                throw conf::DefinitionError("file is larger than " + std::to_string(conf::kMaxDefinitionBytes) +
                                            " bytes");
            filters.add(conf::parseFilter(readTextFile(file)));
        } catch (const std::exception& e) {
            if (problems)
                problems->push_back({file, e.what()});
        }
    }
    return filters;
}

} // namespace vnf::store
