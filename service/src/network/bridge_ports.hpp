// SPDX-License-Identifier: GPL-2.0-or-later
// The ports of bridges and their isolation, over rtnetlink (libnl-3's
// messages; libnl has no accessor for the bridge port's isolated flag). An
// isolated port forwards only to ports that are not isolated: with every
// guest port of a network isolated, guests reach the host (the bridge
// itself) but not each other - what libvirt's <port isolated='yes'/> does.
#pragma once

#include "network/bridge.hpp"

#include <netlink/netlink.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vnf::network {

struct BridgePort {
    std::string name;
    int bridge = 0;  // the bridge's ifindex
    bool isolated = false;
};

class BridgePorts {
public:
    BridgePorts();  // a connected NETLINK_ROUTE socket; throws NetlinkError

    // The interface's index; 0 when there is none of that name.
    int ifindex(const std::string& name);
    // The interface as a bridge port; nullopt when there is none of that
    // name or it is not a bridge's port. One request, whatever the number
    // of links.
    std::optional<BridgePort> port(const std::string& name);
    // Every bridge port in the namespace (one dump): for start-up and after
    // lost notifications.
    std::vector<BridgePort> all();
    // Sets the port's isolated flag (as `bridge link set dev PORT isolated
    // on`). Throws NetlinkError.
    void isolate(const std::string& name);

private:
    std::vector<BridgePort> request(const std::string& name, bool dump);
    struct SocketDeleter {
        void operator()(nl_sock* s) const;
    };
    std::unique_ptr<nl_sock, SocketDeleter> sock_;
};

} // namespace vnf::network
