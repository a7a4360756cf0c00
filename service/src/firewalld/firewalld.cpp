// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewalld/firewalld.hpp"

#include "util/log.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

namespace vnf::firewalld {

namespace {

constexpr const char* kPath = "/org/fedoraproject/FirewallD1";
constexpr const char* kZoneInterface = "org.fedoraproject.FirewallD1.zone";
constexpr auto kTimeout = std::chrono::seconds(10);

bool hasOwner(sdbus::IConnection& connection, const std::string& name)
{
    auto proxy = sdbus::createProxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    bool has = false;
    proxy->callMethod("NameHasOwner").onInterface("org.freedesktop.DBus").withArguments(name).storeResultsTo(has);
    return has;
}

} // namespace

sdbus::IConnection& FirewalldZones::connection()
{
    if (!connection_)
        connection_ = sdbus::createSystemBusConnection();
    return *connection_;
}

bool FirewalldZones::running()
{
    try {
        return hasOwner(connection(), kName);
    } catch (const sdbus::Error& e) {
        util::logError(std::string("cannot ask the bus whether firewalld runs: ") + e.what());
        return false;
    }
}

std::string FirewalldZones::assign(const conf::NetworkDef& network)
{
    // The host's bridge: its zone is the host's. An open network: the host's
    // firewall decides, so a zone only when it names one (libvirt's rule).
    if (!running() || network.forward.mode == conf::ForwardMode::Bridge ||
        (network.forward.mode == conf::ForwardMode::Open && network.bridge.zone.empty()))
        return {};
    try {
        auto proxy = sdbus::createProxy(connection(), kName, kPath);
        std::vector<std::string> zones;
        proxy->callMethod("getZones").onInterface(kZoneInterface).withTimeout(kTimeout).storeResultsTo(zones);
        auto has = [&](const std::string& zone) { return std::find(zones.begin(), zones.end(), zone) != zones.end(); };
        std::string zone = network.bridge.zone;
        if (zone.empty())
            zone = network.forward.mode == conf::ForwardMode::Route && has("libvirt-routed") ? "libvirt-routed"
                                                                                              : "libvirt";
        if (!has(zone))
            throw std::runtime_error("firewalld has no zone '" + zone +
                                     "' (install vnetfilter's firewalld zones, or name another zone in <bridge zone=...>)");
        std::string result;
        proxy->callMethod("changeZoneOfInterface")
            .onInterface(kZoneInterface)
            .withTimeout(kTimeout)
            .withArguments(zone, network.bridge.name)
            .storeResultsTo(result);
        return zone;
    } catch (const sdbus::Error& e) {
        throw std::runtime_error("firewalld: cannot put " + network.bridge.name + " into its zone: " + e.getMessage());
    }
}

void FirewalldZones::release(const std::string& bridge, const std::string& zone)
{
    if (zone.empty() || !running())
        return;
    try {
        auto proxy = sdbus::createProxy(connection(), kName, kPath);
        std::string result;
        proxy->callMethod("removeInterface")
            .onInterface(kZoneInterface)
            .withTimeout(kTimeout)
            .withArguments(zone, bridge)
            .storeResultsTo(result);
    } catch (const sdbus::Error& e) {
        util::logInfo("firewalld: " + bridge + " was not in zone " + zone + ": " + e.getMessage());
    }
}

void FirewalldZones::waitUntilRunning()
{
    for (int i = 0; i < 100 && running(); ++i) {
        try {
            auto proxy = sdbus::createProxy(connection(), kName, kPath);
            if (proxy->getProperty("state").onInterface(kName).get<std::string>() == "RUNNING")
                return;
        } catch (const sdbus::Error&) {
            // not answering yet
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

FirewalldWatch::FirewalldWatch(sdbus::IConnection& connection, std::function<void(bool)> changed,
                               std::function<void()> reloaded)
{
    bus_ = sdbus::createProxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    bus_->uponSignal("NameOwnerChanged")
        .onInterface("org.freedesktop.DBus")
        .call([this, changed](const std::string& name, const std::string&, const std::string& owner) {
            if (name != kName)
                return;
            running_ = !owner.empty();
            util::logInfo(running_ ? "firewalld appeared on the bus" : "firewalld left the bus");
            changed(running_);
        });
    bus_->finishRegistration();
    firewalld_ = sdbus::createProxy(connection, kName, kPath);
    firewalld_->uponSignal("Reloaded").onInterface(kName).call([reloaded] {
        util::logInfo("firewalld reloaded");
        reloaded();
    });
    firewalld_->finishRegistration();
    running_ = hasOwner(connection, kName);
}

} // namespace vnf::firewalld
