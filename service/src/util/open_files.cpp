// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/open_files.hpp"

#include <cerrno>
#include <cstring>

namespace vnf::util {

OpenFileLimit raiseOpenFileLimit()
{
    OpenFileLimit result;
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        result.error = std::strerror(errno);
        return result;
    }
    result.before = limit.rlim_cur;
    if (limit.rlim_cur == limit.rlim_max)
        return result;
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0)
        result.error = std::strerror(errno);
    return result;
}

} // namespace vnf::util
