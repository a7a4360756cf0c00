// SPDX-License-Identifier: GPL-2.0-or-later
// Guest ports of networks with <port isolated='yes'/>: isolated as they
// join the bridge (NetworkDriver::portsChanged).
#include "driver/network_driver.hpp"

#include "network/bridge.hpp"
#include "util/log.hpp"

#include <map>

namespace vnf::driver {

Changes NetworkDriver::portsChanged(const std::optional<std::vector<std::string>>& names)
{
    std::map<int, std::string> bridges;  // ifindex -> network, of the running networks that isolate
    for (const auto& [name, n] : networks_)
        if (n.running && n.running->def.isolatedPorts.value_or(false))
            if (const int index = network::interfaceIndex(n.running->def.bridge.name))
                bridges.emplace(index, name);
    if (bridges.empty())
        return {};  // the common case costs nothing: no request to the kernel
    try {
        network::Netlink netlink;
        // Guests' ports only - taps (a VM's NIC) and veths (a container's):
        // a NIC, bond or VLAN on the bridge is the host's way out, which
        // isolated guests must still reach (libvirt isolates the taps it
        // adds, not the bridge's other ports).
        auto follow = [&](const network::BridgePort& port) {
            auto bridge = bridges.find(port.bridge);
            if (port.isolated || bridge == bridges.end() || (port.kind != "tun" && port.kind != "veth"))
                return;
            try {
                netlink.isolatePort(port.name);
            } catch (const network::NetlinkError& e) {
                util::logError("network '" + bridge->second + "': port '" + port.name +
                               "' is not isolated from the other guests: " + e.what());
            }
        };
        if (!names) {
            for (const network::BridgePort& port : netlink.bridgePorts())
                follow(port);
        } else {
            for (const std::string& name : *names)
                if (std::optional<network::BridgePort> port = netlink.bridgePort(name))
                    follow(*port);
        }
    } catch (const network::NetlinkError& e) {
        util::logError(std::string("cannot isolate the ports of networks with <port isolated='yes'/>: ") + e.what());
    }
    return {};
}

} // namespace vnf::driver
