// SPDX-License-Identifier: GPL-2.0-or-later
// The bindings of a GetManagedObjects reply, read with sd-bus's own reader.
//
// Why not sdbus-c++'s map of variants, as for the other lists: every
// sdbus::Variant keeps a message of its own (about 1.4 KB), and a binding
// has nine properties. At 10,000 bindings that was 131 MB of
// vnetfilterctl's memory and most of nwfilter-binding-list's 0.4-0.6 s
// (bench/README.md, "Listing filters and networks").
#pragma once

#include "daemon_client.hpp"

#include <systemd/sd-bus.h>

#include <vector>

namespace vnf::client {

// The objects with the Binding interface, in the order of their paths.
// Properties this client does not know, or with another type than it
// expects, are left out (their row keeps the empty value). Throws
// std::runtime_error when the reply is not a{oa{sa{sv}}}.
std::vector<BindingRow> bindingRowsOf(sd_bus_message* reply);

} // namespace vnf::client
