// SPDX-License-Identifier: GPL-2.0-or-later
// From a port's neutral policy to the nftables backend's shape and per-port
// values (model.hpp), with libvirt's meaning of direction, state, priority
// and actions (firewall/rule_order.hpp). Pure.
#pragma once

#include "firewall/backend.hpp"
#include "firewall/nftables/model.hpp"

namespace vnf::fw::nft {

// Throws BackendError for a rule nftables cannot express natively (the
// message names the rule and what is missing); the driver then fails the
// binding closed.
PortLayout layoutOf(const PortPolicy& policy);

} // namespace vnf::fw::nft
