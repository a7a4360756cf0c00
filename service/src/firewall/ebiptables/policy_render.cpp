// SPDX-License-Identifier: GPL-2.0-or-later
// Neutral policies as libvirt's layout renders them (pure).
#include "firewall/ebiptables/nwfilter_backend.hpp"

namespace vnf::fw::ebip {

namespace {

PortRuleSet renderPolicy(const std::string& ifname, const PortPolicy& policy)
{
    switch (policy.kind) {
    case PortPolicy::Kind::Rules: return renderPort(ifname, policy.rules);
    case PortPolicy::Kind::Basic: return basicRules(ifname, policy.mac);
    case PortPolicy::Kind::DhcpOnly: return dhcpOnlyRules(ifname, policy.mac, policy.dhcpServers);
    case PortPolicy::Kind::DropAll: break;
    }
    return dropAllRules(ifname);
}

} // namespace

// What the backend keeps for the port: rendered once, kept as small as it is.
PortRuleSet render(const std::string& ifname, const PortPolicy& policy)
{
    PortRuleSet set = renderPolicy(ifname, policy);
    shrinkToFit(set);
    return set;
}

} // namespace vnf::fw::ebip
