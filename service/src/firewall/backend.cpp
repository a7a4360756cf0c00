// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/backend.hpp"

namespace vnf::fw {

PortPolicy PortPolicy::ofRules(std::vector<engine::RuleInstance> rules, std::string label)
{
    PortPolicy p;
    p.kind = Kind::Rules;
    p.rules = std::move(rules);
    p.label = std::move(label);
    return p;
}

PortPolicy PortPolicy::basic(const conf::MacAddr& mac)
{
    PortPolicy p;
    p.kind = Kind::Basic;
    p.mac = mac;
    return p;
}

PortPolicy PortPolicy::dhcpOnly(const conf::MacAddr& mac, std::vector<std::string> dhcpServers)
{
    PortPolicy p;
    p.kind = Kind::DhcpOnly;
    p.mac = mac;
    p.dhcpServers = std::move(dhcpServers);
    return p;
}

PortPolicy PortPolicy::dropAll()
{
    return PortPolicy{};
}

std::vector<std::string> nwfilterBackendNames()
{
    return {"ebiptables", "nftables"};
}


} // namespace vnf::fw
