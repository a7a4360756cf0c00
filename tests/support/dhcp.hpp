// SPDX-License-Identifier: GPL-2.0-or-later
// DHCP for learning tests: a real dnsmasq serving a range on an interface
// of a namespace, and a real client (busybox udhcpc) in a guest.
#pragma once

#include "support/dbus_lab.hpp"
#include "support/netns.hpp"

#include <memory>
#include <optional>
#include <string>

namespace vnf::test {

class DhcpServer {
public:
    // dnsmasq in `ns` on `interface`, leasing `first`..`last` (/24) for
    // `leaseTime` (dnsmasq syntax: "1h", "2m"); DNS off. Waits until it
    // listens.
    DhcpServer(const Netns& ns, const std::string& interface, const std::string& first, const std::string& last,
               const std::string& leaseTime = "1h");
    std::string log() const;

private:
    TempDir dir_;
    std::unique_ptr<Process> process_;
};

// One DHCP exchange from `guest` on eth0 (udhcpc -q: discover, request,
// quit). Returns the leased address, nullopt when none came. The address
// is not configured on the interface (the caller decides).
std::optional<std::string> dhcpLease(const Netns& guest);

// The guest renews `address` and then releases it, as a client does when
// it stops (udhcpc -R, SIGTERM). The address must be configured on eth0:
// the release is sent from it. True when the release was sent.
bool dhcpRenewAndRelease(const Netns& guest, const std::string& address);

} // namespace vnf::test
