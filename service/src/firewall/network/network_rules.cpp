// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/network/network_rules.hpp"

namespace vnf::fw::net {

namespace detail {
Plan iptablesGlobalSetup();
Plan iptablesAddNetwork(const conf::NetworkDef& def);
Plan nftablesGlobalSetup();
Plan nftablesAddNetwork(const conf::NetworkDef& def);
} // namespace detail

std::string_view backendName(NetworkBackend backend)
{
    return backend == NetworkBackend::Iptables ? "iptables" : "nftables";
}

std::optional<NetworkBackend> parseBackend(std::string_view name)
{
    if (name == "iptables")
        return NetworkBackend::Iptables;
    if (name == "nftables")
        return NetworkBackend::Nftables;
    return std::nullopt;
}

Plan globalSetupPlan(NetworkBackend backend)
{
    return backend == NetworkBackend::Iptables ? detail::iptablesGlobalSetup() : detail::nftablesGlobalSetup();
}

bool addsRules(const conf::NetworkDef& network)
{
    return network.forward.mode != conf::ForwardMode::Open && network.forward.mode != conf::ForwardMode::Bridge;
}

Plan addNetworkPlan(const conf::NetworkDef& network, NetworkBackend backend)
{
    return backend == NetworkBackend::Iptables ? detail::iptablesAddNetwork(network)
                                               : detail::nftablesAddNetwork(network);
}

} // namespace vnf::fw::net
