#include "io.hpp"

#include "conf/xml.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace vnf::client {

std::string readInput(const std::string& path)
{
    std::ostringstream buffer;
    if (path == "-") {
        buffer << std::cin.rdbuf();
    } else {
        std::ifstream in(path, std::ios::binary);
        if (!in)
            throw std::runtime_error(path + ": " + std::strerror(errno));
        // Refuse huge files before reading them whole.
        in.seekg(0, std::ios::end);
        auto size = in.tellg();
        if (size > static_cast<std::streamoff>(conf::kMaxDefinitionBytes))
            throw std::runtime_error(path + ": file is larger than " + std::to_string(conf::kMaxDefinitionBytes) +
                                     " bytes");
        in.seekg(0);
        buffer << in.rdbuf();
    }
    return buffer.str();
}

} // namespace vnf::client
