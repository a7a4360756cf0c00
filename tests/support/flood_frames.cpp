// SPDX-License-Identifier: GPL-2.0-or-later
// A hostile guest's flood for the capture's bounds: sends, on INTERFACE,
// minimal broadcast frames from INTERFACE's own MAC as fast as it can for
// SECONDS (IPv6 type with an empty payload: nothing to learn from), and
// prints how many it sent. Usage: flood_frames INTERFACE SECONDS
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: flood_frames INTERFACE SECONDS\n");
        return 2;
    }
    const int fd = ::socket(AF_PACKET, SOCK_RAW, 0);
    ifreq request{};
    std::snprintf(request.ifr_name, sizeof request.ifr_name, "%s", argv[1]);
    if (fd < 0 || ::ioctl(fd, SIOCGIFHWADDR, &request) != 0) {
        std::perror("flood_frames");
        return 1;
    }
    std::vector<unsigned char> frame(60, 0);
    std::memset(frame.data(), 0xff, 6);
    std::memcpy(frame.data() + 6, request.ifr_hwaddr.sa_data, 6);
    frame[12] = 0x86;
    frame[13] = 0xdd;
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = static_cast<int>(if_nametoindex(argv[1]));
    to.sll_halen = 6;
    std::memset(to.sll_addr, 0xff, 6);
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(std::atoi(argv[2]));
    unsigned long sent = 0;
    while (std::chrono::steady_clock::now() < end)
        for (int i = 0; i < 256; ++i)
            if (::sendto(fd, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) > 0)
                ++sent;
    ::close(fd);
    std::printf("%lu\n", sent);
    return 0;
}
