// SPDX-License-Identifier: GPL-2.0-or-later
// The nwfilter backends integration tests run with, and what this kernel
// can do with them.
#pragma once

#include "firewall/backend.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace vnf::test {

struct BackendVariant {
    std::string name;  // for test names: EbiptablesBatch, EbiptablesExec, Nftables
    fw::NwfilterBackendConfig config;
    // The lines vnetfilterd.conf needs for it.
    std::string configLines() const;
};

// For gtest's messages: the name, not the bytes.
inline void PrintTo(const BackendVariant& variant, std::ostream* os)
{
    *os << variant.name;
}

std::vector<BackendVariant> allBackendVariants();
// The default backend and nftables: for daemon-level tests.
std::vector<BackendVariant> daemonBackendVariants();

// Does the bridge family have connection tracking here (nf_conntrack_bridge,
// CONFIG_NF_CONNTRACK_BRIDGE)? The nftables backend's stateful rules need it.
bool bridgeConntrackAvailable();
inline constexpr const char* kNoBridgeConntrack =
    "this kernel has no connection tracking in the bridge family (CONFIG_NF_CONNTRACK_BRIDGE); the nftables "
    "backend refuses stateful rules here";

} // namespace vnf::test
