// SPDX-License-Identifier: GPL-2.0-or-later
// Which firewall the host's networks get when the configuration says
// `auto`: asked of the kernel here, in the firewall layer; the driver only
// uses the answer.
#pragma once

#include "firewall/executor.hpp"
#include "firewall/network/network_rules.hpp"

namespace vnf::fw::net {

// nftables when the nft tool runs and the kernel answers nf_tables
// requests, iptables otherwise.
NetworkBackend detectNetworkBackend(Executor& executor);

} // namespace vnf::fw::net
