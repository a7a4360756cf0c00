// SPDX-License-Identifier: GPL-2.0-or-later
// Bridges for virtual networks, over rtnetlink (libnl-3): created with their
// MAC, STP and forward delay in one message, addressed, brought up, given
// the network's static routes, removed; their ports isolated.
#pragma once

#include "conf/network.hpp"

#include <netlink/netlink.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace vnf::network {

class NetlinkError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A port of a bridge, with its isolated flag: an isolated port forwards
// only to ports that are not isolated. With every guest port of a network
// isolated, guests reach the host (the bridge itself) but not each other -
// what libvirt's <port isolated='yes'/> does.
struct BridgePort {
    std::string name;
    std::string kind;  // the link's kind: "tun" (a tap), "veth", "" (a NIC), "bond", ...
    int bridge = 0;    // the bridge's ifindex
    bool isolated = false;
};

// An interface's index; 0 when there is none of that name.
int interfaceIndex(const std::string& ifname);

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
    // The link's kind ("bridge", "veth", ...; "" for one without, such as
    // a physical NIC); nullopt when there is no link of that name.
    std::optional<std::string> linkKind(const std::string& ifname);

    // Bridge ports (network/bridge_ports.cpp; libnl-route has no accessor
    // for the isolated flag, so these build libnl messages themselves).
    // The interface as a bridge port, one request whatever the number of
    // links; nullopt when there is none of that name or it is no bridge's.
    std::optional<BridgePort> bridgePort(const std::string& ifname);
    // Every bridge port in the namespace, one dump.
    std::vector<BridgePort> bridgePorts();
    // Sets the port's isolated flag, as `bridge link set dev PORT isolated
    // on`; false when the port went meanwhile.
    bool isolatePort(const std::string& ifname);

private:
    int ifindex(const std::string& ifname);
    std::vector<BridgePort> linkRequest(const std::string& ifname, bool dump);
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
