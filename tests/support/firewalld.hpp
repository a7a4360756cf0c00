// SPDX-License-Identifier: GPL-2.0-or-later
// A real firewalld for integration tests: in a namespace the test owns, on
// the private bus, with a private copy of /etc/firewalld plus vnetfilter's
// zones and policies. Stopped by PID with the object.
#pragma once

#include "support/dbus_lab.hpp"
#include "support/netns.hpp"

#include <memory>
#include <string>

namespace vnf::test {

class Firewalld {
public:
    explicit Firewalld(const Netns& ns);
    ~Firewalld();
    static bool available();

    void start();  // waits until it says RUNNING
    void stop();   // SIGTERM, waits
    void reload(); // the D-Bus reload method, as firewall-cmd --reload calls it
    // getZoneOfInterface ("" when none).
    std::string zoneOf(const std::string& interface) const;
    // changeZoneOfInterface, as firewall-cmd --zone=ZONE --change-interface=IF.
    void setZone(const std::string& interface, const std::string& zone) const;
    std::string log() const;

private:
    const Netns& ns_;
    TempDir dir_;
    std::unique_ptr<Process> process_;
};

} // namespace vnf::test
