// SPDX-License-Identifier: GPL-2.0-or-later
// A network's <bandwidth> on its bridge: the tc commands libvirt runs for
// network-wide limits. Pure.
#pragma once

#include "conf/network.hpp"
#include "firewall/command.hpp"

namespace vnf::fw::net {

// In the order they run, on the bridge just made (nothing to replace).
// Inbound - what the host sends into the network, the bridge's egress - is
// shaped by an HTB tree: class 1:1 caps the whole network, class 1:2 under
// it takes all traffic (libvirt's tree, where guests' guaranteed shares
// would be classes beside it), and an SFQ queue on 1:2 keeps one flow from
// starving the others. Outbound - what guests send through the host, the
// bridge's ingress - is policed: dropped above the average (peak does not
// apply there, as in libvirt). Empty when the network has no <bandwidth>.
Plan bandwidthPlan(const conf::NetworkDef& network);

} // namespace vnf::fw::net
