// SPDX-License-Identifier: GPL-2.0-or-later
// virsh net-event: waits for libvirt's network events (lifecycle,
// metadata-change) as the daemon signals them, and prints them in virsh's
// words.
#pragma once

#include "cli.hpp"

namespace vnf::client {

Command networkEventCommand();

} // namespace vnf::client
