// SPDX-License-Identifier: GPL-2.0-or-later
// firewalld over its D-Bus API: putting network bridges into zones (from the
// worker, on a connection of its own), and watching firewalld come, go and
// reload (on the bus thread, from the service's connection).
#pragma once

#include "conf/network.hpp"

#include <sdbus-c++/sdbus-c++.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace vnf::firewalld {

inline constexpr const char* kName = "org.fedoraproject.FirewallD1";

// What the network driver needs; an interface so the driver can be tested
// without firewalld.
class ZoneControl {
public:
    virtual ~ZoneControl() = default;
    // Puts the network's bridge into its zone: the network's zone=, else
    // libvirt-routed for routed networks when firewalld has it, else
    // libvirt; none for an open network that names none, nor for the
    // host's bridge. Returns the zone, or "" when there is none (also when
    // firewalld is not running).
    // Throws std::runtime_error (a missing zone, a refusal).
    virtual std::string assign(const conf::NetworkDef& network) = 0;
    // Takes the bridge out of `zone` again (best effort).
    virtual void release(const std::string& bridge, const std::string& zone) = 0;
};

class FirewalldZones final : public ZoneControl {
public:
    // Connects to the system bus lazily, on the first use (on the worker).
    std::string assign(const conf::NetworkDef& network) override;
    void release(const std::string& bridge, const std::string& zone) override;
    // After firewalld appeared: waits (up to 10 s) until it says RUNNING,
    // so that what is applied next is not flushed by its start.
    void waitUntilRunning();

private:
    sdbus::IConnection& connection();
    bool running();
    std::unique_ptr<sdbus::IConnection> connection_;
};

// Calls `changed(running)` when firewalld appears on or leaves the bus, and
// `reloaded()` after it reloaded. Lives on the bus thread.
class FirewalldWatch {
public:
    FirewalldWatch(sdbus::IConnection& connection, std::function<void(bool)> changed, std::function<void()> reloaded);
    bool running() const { return running_; }

private:
    std::unique_ptr<sdbus::IProxy> bus_;
    std::unique_ptr<sdbus::IProxy> firewalld_;
    bool running_ = false;
};

} // namespace vnf::firewalld
