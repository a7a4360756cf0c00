// SPDX-License-Identifier: GPL-2.0-or-later
#include "io.hpp"

#include "conf/xml.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace vnf::client {

std::string inputName(const std::string& path)
{
    return path == "-" ? "standard input" : path;
}

std::string readInput(const std::string& path)
{
    // Whatever the input is (a file, standard input, a pipe, /dev/zero), at
    // most one byte more than a definition may have is read.
    int fd = STDIN_FILENO;
    if (path != "-") {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            throw std::runtime_error(path + ": " + std::strerror(errno));
    }
    struct Closer {
        int fd;
        bool own;
        ~Closer()
        {
            if (own)
                ::close(fd);
        }
    } closer{fd, path != "-"};
    const std::string name = inputName(path);
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
        throw std::runtime_error(name + ": is a directory, not a definition file");
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<size_t>(st.st_size) > conf::kMaxDefinitionBytes)
        throw std::runtime_error(name + ": file is larger than " + std::to_string(conf::kMaxDefinitionBytes) +
                                 " bytes, the limit for a definition");
    std::string text;
    char buffer[65536];
    while (true) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw std::runtime_error(name + ": " + std::strerror(errno));
        if (n == 0)
            break;
        text.append(buffer, static_cast<size_t>(n));
        if (text.size() > conf::kMaxDefinitionBytes)
            throw std::runtime_error(name + ": more than " + std::to_string(conf::kMaxDefinitionBytes) +
                                     " bytes, the limit for a definition");
    }
    if (const auto nul = text.find('\0'); nul != std::string::npos)
        throw std::runtime_error(name + ": contains a NUL byte at offset " + std::to_string(nul) +
                                 "; a definition is XML text");
    return text;
}

} // namespace vnf::client
