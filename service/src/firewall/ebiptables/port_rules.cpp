// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/ebiptables/port_rules.hpp"

#include "firewall/rule_order.hpp"

namespace vnf::fw::ebip {

PortRuleSet renderPort(const std::string& ifname, const std::vector<engine::RuleInstance>& rules)
{
    PortRuleSet set;
    set.ifname = ifname;
    const Layer2Order order = layer2Order(rules);
    set.ebIn = order.fromGuest;
    set.ebOut = order.toGuest;
    for (const auto& sub : order.subchains)
        set.subchains.push_back({sub.fromGuest, sub.suffix, sub.priority});
    for (const auto& step : order.steps) {
        if (step.kind == Layer2Step::Kind::CreateSubchain) {
            set.ebSteps.push_back({EbStep::Kind::CreateSubchain, step.index});
            continue;
        }
        const auto& rule = rules[step.index];
        set.ebRules.push_back({step.fromGuest, rule.inRootChain() ? "" : rule.chain,
                               ebtablesRuleArgs(rule, step.reverse), rule.origin});
        set.ebSteps.push_back({EbStep::Kind::AppendRule, set.ebRules.size() - 1});
    }
    for (const auto& rule : rules) {
        const conf::Layer layer = conf::layerOf(rule.protocol);
        if (layer == conf::Layer::Ethernet)
            continue;
        auto rendered = iptablesRules(rule);
        auto& target = layer == conf::Layer::Ipv4 ? set.ip4 : set.ip6;
        target.insert(target.end(), rendered.begin(), rendered.end());
    }
    return set;
}

namespace {

void rootRule(PortRuleSet& set, bool incoming, std::vector<std::string> args)
{
    set.ebRules.push_back({incoming, "", std::move(args), ""});
    set.ebSteps.push_back({EbStep::Kind::AppendRule, set.ebRules.size() - 1});
}

} // namespace

PortRuleSet basicRules(const std::string& ifname, const conf::MacAddr& mac)
{
    PortRuleSet set;
    set.ifname = ifname;
    set.ebIn = true;
    rootRule(set, true, {"-s", "!", mac.str(), "-j", "DROP"});
    rootRule(set, true, {"-p", "IPv4", "-j", "ACCEPT"});
    rootRule(set, true, {"-p", "ARP", "-j", "ACCEPT"});
    rootRule(set, true, {"-j", "DROP"});
    return set;
}

PortRuleSet dhcpOnlyRules(const std::string& ifname, const conf::MacAddr& mac,
                          const std::vector<std::string>& dhcpServers)
{
    PortRuleSet set;
    set.ifname = ifname;
    set.ebIn = set.ebOut = true;
    rootRule(set, true,
             {"-s", mac.str(), "-p", "ipv4", "--ip-protocol", "udp", "--ip-sport", "68", "--ip-dport", "67", "-j",
              "ACCEPT"});
    rootRule(set, true, {"-j", "DROP"});
    std::vector<std::string> servers = dhcpServers;
    if (servers.empty())
        servers.push_back("");  // from any server
    for (const auto& server : servers) {
        for (const std::string& dst : {mac.str(), std::string("ff:ff:ff:ff:ff:ff")}) {
            std::vector<std::string> args = {"-d", dst, "-p", "ipv4", "--ip-protocol", "udp"};
            if (!server.empty())
                args.insert(args.end(), {"--ip-src", server});
            args.insert(args.end(), {"--ip-sport", "67", "--ip-dport", "68", "-j", "ACCEPT"});
            rootRule(set, false, std::move(args));
        }
    }
    rootRule(set, false, {"-j", "DROP"});
    return set;
}

PortRuleSet dropAllRules(const std::string& ifname)
{
    PortRuleSet set;
    set.ifname = ifname;
    set.ebIn = set.ebOut = true;
    rootRule(set, true, {"-j", "DROP"});
    rootRule(set, false, {"-j", "DROP"});
    return set;
}

void shrinkToFit(PortRuleSet& set)
{
    for (auto& sub : set.subchains)
        sub.suffix.shrink_to_fit();
    for (auto& rule : set.ebRules) {
        rule.suffix.shrink_to_fit();
        rule.origin.shrink_to_fit();
        rule.args.shrink_to_fit();
    }
    for (auto* ipt : {&set.ip4, &set.ip6})
        for (auto& rule : *ipt) {
            rule.origin.shrink_to_fit();
            rule.args.shrink_to_fit();
        }
    set.subchains.shrink_to_fit();
    set.ebRules.shrink_to_fit();
    set.ebSteps.shrink_to_fit();
    set.ip4.shrink_to_fit();
    set.ip6.shrink_to_fit();
}

} // namespace vnf::fw::ebip
