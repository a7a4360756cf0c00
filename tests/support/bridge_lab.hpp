// SPDX-License-Identifier: GPL-2.0-or-later
// A bridge with guests for packet tests: a "host" namespace holding bridge
// br0 (10.10.0.1/24, fd00::1/64) and one veth port per guest (vnet0,
// vnet1, ...), each guest in its own namespace with eth0 at 10.10.0.(10+i)
// and fd00::(10+i) and MAC 52:54:00:00:00:(10+i). Everything is removed
// with the object.
#pragma once

#include "support/netns.hpp"

#include <gio/gio.h>

#include <memory>
#include <string>
#include <vector>

namespace vnf::test {

struct Guest {
    std::unique_ptr<Netns> ns;
    std::string port;  // the host side: vnetN
    std::string mac;
    std::string ip;
    std::string ip6;
};

class BridgeLab {
public:
    explicit BridgeLab(int guests);
    Netns& host() { return host_; }
    Guest& guest(size_t i) { return guests_.at(i); }

    // Does `from` get an answer to one ping to `address`? (ping or ping -6)
    bool ping(const Netns& from, const std::string& address, const std::string& source = {}) const;

private:
    Netns host_;
    std::vector<Guest> guests_;
};

// A process running in the background (a listener, a capture); stopped by
// PID with SIGTERM (then waited for) when the object dies.
class Background {
public:
    explicit Background(const std::vector<std::string>& argv);
    ~Background();
    Background(const Background&) = delete;
    Background& operator=(const Background&) = delete;
    bool running() const;

private:
    GSubprocess* process_ = nullptr;
};

// Waits (up to 10 s) until a socket in `ns` listens on `port`, protocol
// "tcp" or "udp", for IPv4 (`family` "-4") or IPv6 ("-6"): a listener
// started in the Background is not bound the moment it starts, and a
// datagram sent before it is lost, on a slow machine as on an emulated one.
bool waitForListener(const Netns& ns, const std::string& protocol, const std::string& family,
                     const std::string& port);

} // namespace vnf::test
