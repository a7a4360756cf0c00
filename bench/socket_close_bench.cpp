// SPDX-License-Identifier: GPL-2.0-or-later
// What closing N packet sockets costs, one after the other (as the capture
// did) and through util::closeConcurrently (as util::DeferredClose does),
// side by side. Each close waits for an RCU grace period in the kernel
// (packet_release -> synchronize_net); concurrent waits share one.
// Sockets are bound to `lo` of the current network namespace (run it in a
// throwaway one: bench/run-close.sh). Usage: socket-close-bench N...
#include "util/deferred_close.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

std::vector<vnf::util::UniqueFd> boundSockets(size_t n)
{
    std::vector<vnf::util::UniqueFd> sockets;
    sockaddr_ll address{};
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(ETH_P_ALL);
    address.sll_ifindex = static_cast<int>(if_nametoindex("lo"));
    for (size_t i = 0; i < n; ++i) {
        vnf::util::UniqueFd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
        if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            std::perror("socket-close-bench: a packet socket on lo");
            std::exit(1);
        }
        sockets.push_back(std::move(fd));
    }
    return sockets;
}

double millisecondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: socket-close-bench N...\n");
        return 2;
    }
    std::printf("%8s %22s %22s\n", "sockets", "one after the other", "concurrently (64)");
    for (int i = 1; i < argc; ++i) {
        const size_t n = std::strtoul(argv[i], nullptr, 10);
        auto sockets = boundSockets(n);
        auto start = std::chrono::steady_clock::now();
        sockets.clear();
        const double serial = millisecondsSince(start);
        sockets = boundSockets(n);
        start = std::chrono::steady_clock::now();
        vnf::util::closeConcurrently(std::move(sockets), 64);
        const double concurrent = millisecondsSince(start);
        std::printf("%8zu %16.1f ms %16.1f ms\n", n, serial, concurrent);
    }
    return 0;
}
