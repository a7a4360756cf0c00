// SPDX-License-Identifier: GPL-2.0-or-later
// What the in-process benchmarks share: timing, medians, and the check that
// they run in a network namespace of their own (they change its firewall).
#pragma once

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace vnf::bench {

using Clock = std::chrono::steady_clock;

inline double msSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The value below which a share `p` (0..1) of the values lie; 1 is the maximum.
inline double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size())))];
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

// Port i of a benchmark, and the guest addresses behind it (unique up to
// 62,500 x 250 ports).
inline std::string portName(int i)
{
    return "vnet" + std::to_string(i);
}

struct GuestAddresses {
    std::string mac, ip;
};

inline GuestAddresses guestAddresses(int i)
{
    char mac[32], ip[32];
    std::snprintf(mac, sizeof mac, "52:54:00:00:%02x:%02x", (i >> 8) & 0xff, i & 0xff);
    std::snprintf(ip, sizeof ip, "10.%d.%d.%d", 20 + i / 62500, (i / 250) % 250, i % 250 + 1);
    return {mac, ip};
}

} // namespace vnf::bench
