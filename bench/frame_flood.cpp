// SPDX-License-Identifier: GPL-2.0-or-later
// Sends 64-byte frames (UDP with 18 bytes of payload) to ADDRESS:PORT as
// fast as one thread can for SECONDS, and prints how many it sent. For
// bench/run-backends.sh's throughput figure, run in the sender's namespace.
//
//   frame-flood ADDRESS PORT SECONDS
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv)
{
    if (argc != 4) {
        std::fprintf(stderr, "usage: frame-flood ADDRESS PORT SECONDS\n");
        return 2;
    }
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[2])));
    if (fd < 0 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
        std::perror("frame-flood");
        return 1;
    }
    char payload[18] = "vnetfilter-bench";
    constexpr int kBurst = 64;
    mmsghdr messages[kBurst];
    iovec iov[kBurst];
    for (int i = 0; i < kBurst; ++i) {
        iov[i] = {payload, sizeof payload};
        std::memset(&messages[i], 0, sizeof messages[i]);
        messages[i].msg_hdr.msg_name = &to;
        messages[i].msg_hdr.msg_namelen = sizeof to;
        messages[i].msg_hdr.msg_iov = &iov[i];
        messages[i].msg_hdr.msg_iovlen = 1;
    }
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(std::atoi(argv[3]));
    unsigned long long sent = 0;
    while (std::chrono::steady_clock::now() < end) {
        const int n = ::sendmmsg(fd, messages, kBurst, 0);
        if (n > 0)
            sent += static_cast<unsigned>(n);
    }
    std::printf("%llu\n", sent);
    return 0;
}
