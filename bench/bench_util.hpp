// SPDX-License-Identifier: GPL-2.0-or-later
// What the in-process benchmarks share: timing, medians, and the check that
// they run in a network namespace of their own (they change its firewall).
#pragma once

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <vector>

namespace vnf::bench {

using Clock = std::chrono::steady_clock;

inline double msSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

inline double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values.empty() ? 0 : values[values.size() / 2];
}

// True when this process runs in a named network namespace (`ip netns exec
// NAME`: /run/netns/NAME is our namespace). Anywhere else - the host's own
// namespace above all - a benchmark must not run.
inline bool inNamedNetworkNamespace()
{
    struct stat self {};
    if (::stat("/proc/self/ns/net", &self) != 0)
        return false;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/run/netns", ec)) {
        struct stat named {};
        if (::stat(entry.path().c_str(), &named) == 0 && named.st_ino == self.st_ino && named.st_dev == self.st_dev)
            return true;
    }
    return false;
}

} // namespace vnf::bench
