// SPDX-License-Identifier: GPL-2.0-or-later
// Bridges for virtual networks, over rtnetlink (libnl-3): created with their
// MAC, STP and forward delay in one message, addressed, brought up, given
// the network's static routes, removed.
#pragma once

#include "conf/network.hpp"

#include <netlink/netlink.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace vnf::network {

class NetlinkError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Netlink {
public:
    Netlink();  // a connected NETLINK_ROUTE socket; throws NetlinkError

    // Creates bridge `def.bridge` (name, MAC, STP, delay); Exists if the
    // name is taken.
    void createBridge(const conf::NetworkDef& def);
    void addAddress(const std::string& ifname, const conf::IpDef& ip);
    void setUp(const std::string& ifname);
    // A static route through `ifname` (the bridge, once up); it goes with
    // the bridge.
    void addRoute(const std::string& ifname, const conf::RouteDef& route);
    // Removes the link; false when there was none.
    bool deleteLink(const std::string& ifname);
    bool linkExists(const std::string& ifname);

private:
    int ifindex(const std::string& ifname);
    struct SocketDeleter {
        void operator()(nl_sock* s) const;
    };
    std::unique_ptr<nl_sock, SocketDeleter> sock_;
};

// Writes a sysctl, given as its path under /proc/sys ("net/ipv4/ip_forward";
// slashes, as interface names may contain dots), in the daemon's network
// namespace; throws NetlinkError naming the key.
void writeSysctl(const std::string& key, const std::string& value);

} // namespace vnf::network
