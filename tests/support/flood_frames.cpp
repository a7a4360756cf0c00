// SPDX-License-Identifier: GPL-2.0-or-later
// Hostile guests' flood for the capture's bounds: sends, on each INTERFACE in
// turn, minimal broadcast frames from that interface's own MAC as fast as it
// can for SECONDS (IPv6 type with an empty payload: nothing to learn from),
// and prints how many it sent. One process for many interfaces, so that
// flooding a thousand ports does not take a thousand processes from the
// CPUs the daemon is measured on.
// Usage: flood_frames INTERFACE[,INTERFACE...] SECONDS
#include "link_broadcast.hpp"

#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Target {
    std::array<unsigned char, 60> frame{};
    vnf::test::LinkBroadcast link;
};

bool prepare(int fd, const std::string& name, Target& target)
{
    if (!vnf::test::linkBroadcast(fd, name, target.link)) {
        std::perror(("flood_frames: " + name).c_str());
        return false;
    }
    std::memset(target.frame.data(), 0xff, 6);
    std::memcpy(target.frame.data() + 6, target.link.ownMac.data(), 6);
    target.frame[12] = 0x86;
    target.frame[13] = 0xdd;
    return true;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: flood_frames INTERFACE[,INTERFACE...] SECONDS\n");
        return 2;
    }
    const int fd = ::socket(AF_PACKET, SOCK_RAW, 0);
    if (fd < 0) {
        std::perror("flood_frames");
        return 1;
    }
    std::vector<Target> targets;
    std::istringstream names(argv[1]);
    for (std::string name; std::getline(names, name, ',');)
        if (!prepare(fd, name, targets.emplace_back()))
            return 1;
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(std::atoi(argv[2]));
    unsigned long sent = 0;
    // The clock is read every 256 frames: a system call costs more than a
    // frame is worth.
    for (size_t n = 0; n % 256 != 0 || std::chrono::steady_clock::now() < end; ++n) {
        const Target& t = targets[n % targets.size()];
        if (::sendto(fd, t.frame.data(), t.frame.size(), 0, reinterpret_cast<const sockaddr*>(&t.link.to),
                     sizeof t.link.to) > 0)
            ++sent;
    }
    ::close(fd);
    std::printf("%lu\n", sent);
    return 0;
}
