// SPDX-License-Identifier: GPL-2.0-or-later
// What the objects vnetfilterd puts on the bus (Manager, Filter, Binding,
// Network: one header each) share. Included by bus_service.cpp only.
#pragma once

#include "dbus/bus_service.hpp"
#include "util/log.hpp"

#include <sdbus-c++/sdbus-c++.h>

#include <string>

namespace vnf::dbus {

// Emitting signals from a destructor must never throw (the bus may be gone).
template <typename F>
void quietly(F&& f) noexcept
{
    try {
        f();
    } catch (const std::exception& e) {
        util::logWarning(std::string("while removing an object from the bus: ") + e.what());
    }
}

} // namespace vnf::dbus
