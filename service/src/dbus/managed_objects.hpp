// SPDX-License-Identifier: GPL-2.0-or-later
// The reply to ObjectManager.GetManagedObjects, written in one pass from
// the snapshots the bus objects serve their properties from.
//
// Why not sd-bus's own answer: it walks its tree of nodes, calls every
// property getter through sdbus-c++ (a std::function, a copy of the value,
// per property) and lists three standard interfaces with empty dicts for
// every object. At 10,000 bindings that was 170 ms of the daemon's time per
// call, and the standard interfaces alone doubled what dbus-daemon then
// validated (bench/README.md, "The control plane at scale"). The D-Bus
// specification asks for each object's interfaces with what GetAll returns
// for them; GDBus's object manager lists only the object's own interfaces
// too. A test compares this reply with GetAll on every object.
#pragma once

#include "driver/nwfilter_driver.hpp"

#include <systemd/sd-bus.h>

#include <string>

namespace vnf::dbus {

class ManagedObjectsReply {
public:
    // Starts the reply's a{oa{sa{sv}}}; throws std::system_error when sd-bus
    // refuses (out of memory, a message too large).
    explicit ManagedObjectsReply(sd_bus_message* reply);

    void add(const std::string& path, const driver::FilterInfo& filter, uint64_t generation, uint32_t bindingCount);
    void add(const std::string& path, const driver::BindingInfo& binding);
    void add(const std::string& path, const driver::NetworkInfo& network, uint64_t generation);

    // Closes the array: the reply is ready to send.
    void finish();

private:
    class Object;
    sd_bus_message* reply_;
};

} // namespace vnf::dbus
