// SPDX-License-Identifier: GPL-2.0-or-later
// For the standalone frame senders (forge_dhcp_ack, flood_frames): where a
// broadcast frame sent on an interface goes, and the interface's own MAC,
// which the frames carry as their source. Header-only: the tools link
// nothing of the test support library.
#pragma once

#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <string>

namespace vnf::test {

struct LinkBroadcast {
    std::array<unsigned char, 6> ownMac{};
    sockaddr_ll to{};  // for sendto on an AF_PACKET socket
};

// False (errno set) when `name` is not an interface here.
inline bool linkBroadcast(int packetSocket, const std::string& name, LinkBroadcast& out)
{
    ifreq request{};
    std::snprintf(request.ifr_name, sizeof request.ifr_name, "%s", name.c_str());
    if (::ioctl(packetSocket, SIOCGIFHWADDR, &request) != 0)
        return false;
    std::memcpy(out.ownMac.data(), request.ifr_hwaddr.sa_data, out.ownMac.size());
    out.to = sockaddr_ll{};
    out.to.sll_family = AF_PACKET;
    out.to.sll_ifindex = static_cast<int>(if_nametoindex(name.c_str()));
    out.to.sll_halen = 6;
    std::memset(out.to.sll_addr, 0xff, 6);
    return out.to.sll_ifindex != 0;
}

} // namespace vnf::test
