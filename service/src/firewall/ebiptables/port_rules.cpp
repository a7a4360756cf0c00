// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/ebiptables/port_rules.hpp"

#include <algorithm>

namespace vnf::fw::ebip {

namespace {

bool isEthernet(const engine::RuleInstance& rule)
{
    return conf::layerOf(rule.protocol) == conf::Layer::Ethernet;
}

bool guestSends(conf::Direction d)
{
    return d == conf::Direction::Out || d == conf::Direction::InOut;
}

bool guestReceives(conf::Direction d)
{
    return d == conf::Direction::In || d == conf::Direction::InOut;
}

class PortBuilder {
public:
    explicit PortBuilder(PortRuleSet& set) : set_(set) {}

    // Root chains, and the sub-chains in the order libvirt creates them: by
    // priority, frames-from-guest first; ties by name. A chain used by
    // several filters takes the priority of the last rule seen, as in libvirt.
    void planChains(const std::vector<engine::RuleInstance>& rules)
    {
        for (const auto& rule : rules) {
            if (!isEthernet(rule))
                continue;
            for (bool incoming : {true, false}) {
                if (incoming ? !guestSends(rule.direction) : !guestReceives(rule.direction))
                    continue;
                (incoming ? set_.ebIn : set_.ebOut) = true;
                if (rule.inRootChain())
                    continue;
                auto it = std::find_if(set_.subchains.begin(), set_.subchains.end(), [&](const EbSubchain& s) {
                    return s.incoming == incoming && s.suffix == rule.chain;
                });
                if (it == set_.subchains.end())
                    set_.subchains.push_back({incoming, rule.chain, rule.chainPriority});
                else
                    it->priority = rule.chainPriority;
            }
        }
        std::stable_sort(set_.subchains.begin(), set_.subchains.end(), [](const EbSubchain& a, const EbSubchain& b) {
            if (a.priority != b.priority)
                return a.priority < b.priority;
            if (a.incoming != b.incoming)
                return a.incoming;
            return a.suffix < b.suffix;
        });
        created_.assign(set_.subchains.size(), false);
    }

    void createSubchain(size_t index)
    {
        if (created_[index])
            return;
        created_[index] = true;
        set_.ebSteps.push_back({EbStep::Kind::CreateSubchain, index});
    }

    void createSubchainsUpTo(int priority)
    {
        while (next_ < set_.subchains.size() && set_.subchains[next_].priority <= priority)
            createSubchain(next_++);
    }

    void createRemainingSubchains()
    {
        for (; next_ < set_.subchains.size(); ++next_)
            createSubchain(next_);
    }

    void appendRule(const engine::RuleInstance& rule, bool incoming, bool reverse)
    {
        std::string suffix = rule.inRootChain() ? "" : rule.chain;
        if (!suffix.empty()) {
            // libvirt would append to a sub-chain it has not created yet when a
            // rule's priority is below its chain's; we create the chain first.
            for (size_t i = 0; i < set_.subchains.size(); ++i)
                if (set_.subchains[i].incoming == incoming && set_.subchains[i].suffix == suffix)
                    createSubchain(i);
        }
        set_.ebRules.push_back({incoming, suffix, ebtablesRuleArgs(rule, reverse), rule.origin});
        set_.ebSteps.push_back({EbStep::Kind::AppendRule, set_.ebRules.size() - 1});
    }

private:
    PortRuleSet& set_;
    std::vector<bool> created_;
    size_t next_ = 0;
};

} // namespace

PortRuleSet renderPort(const std::string& ifname, const std::vector<engine::RuleInstance>& rules)
{
    PortRuleSet set;
    set.ifname = ifname;
    PortBuilder builder(set);
    builder.planChains(rules);
    for (const auto& rule : rules) {
        if (!isEthernet(rule))
            continue;
        builder.createSubchainsUpTo(rule.priority);
        // An 'inout' rule: the frames-from-guest half is written reversed.
        if (guestSends(rule.direction))
            builder.appendRule(rule, true, rule.direction == conf::Direction::InOut);
        if (guestReceives(rule.direction))
            builder.appendRule(rule, false, false);
    }
    builder.createRemainingSubchains();

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

} // namespace vnf::fw::ebip
