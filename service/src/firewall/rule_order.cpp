// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/rule_order.hpp"

#include <algorithm>

namespace vnf::fw {

namespace {

bool guestSends(conf::Direction d)
{
    return d == conf::Direction::Out || d == conf::Direction::InOut;
}

bool guestReceives(conf::Direction d)
{
    return d == conf::Direction::In || d == conf::Direction::InOut;
}

class OrderBuilder {
public:
    explicit OrderBuilder(Layer2Order& order) : order_(order) {}

    // Root chains, and the sub-chains in the order libvirt creates them: by
    // priority, frames-from-guest first; ties by name. A chain used by
    // several filters takes the priority of the last rule seen, as in libvirt.
    void planChains(const std::vector<engine::RuleInstance>& rules)
    {
        for (const auto& rule : rules) {
            if (!isLayer2(rule))
                continue;
            for (bool fromGuest : {true, false}) {
                if (fromGuest ? !guestSends(rule.direction) : !guestReceives(rule.direction))
                    continue;
                (fromGuest ? order_.fromGuest : order_.toGuest) = true;
                if (rule.inRootChain())
                    continue;
                auto it = std::find_if(order_.subchains.begin(), order_.subchains.end(), [&](const Layer2Subchain& s) {
                    return s.fromGuest == fromGuest && s.suffix == rule.chain;
                });
                if (it == order_.subchains.end())
                    order_.subchains.push_back({fromGuest, rule.chain, rule.chainPriority});
                else
                    it->priority = rule.chainPriority;
            }
        }
        std::stable_sort(order_.subchains.begin(), order_.subchains.end(),
                         [](const Layer2Subchain& a, const Layer2Subchain& b) {
                             if (a.priority != b.priority)
                                 return a.priority < b.priority;
                             if (a.fromGuest != b.fromGuest)
                                 return a.fromGuest;
                             return a.suffix < b.suffix;
                         });
        created_.assign(order_.subchains.size(), false);
    }

    void createSubchain(size_t index)
    {
        if (created_[index])
            return;
        created_[index] = true;
        order_.steps.push_back({Layer2Step::Kind::CreateSubchain, index});
    }

    void createSubchainsUpTo(int priority)
    {
        while (next_ < order_.subchains.size() && order_.subchains[next_].priority <= priority)
            createSubchain(next_++);
    }

    void createRemainingSubchains()
    {
        for (; next_ < order_.subchains.size(); ++next_)
            createSubchain(next_);
    }

    void appendRule(const engine::RuleInstance& rule, size_t index, bool fromGuest, bool reverse)
    {
        if (!rule.inRootChain()) {
            // libvirt would append to a sub-chain it has not created yet when a
            // rule's priority is below its chain's; we create the chain first.
            for (size_t i = 0; i < order_.subchains.size(); ++i)
                if (order_.subchains[i].fromGuest == fromGuest && order_.subchains[i].suffix == rule.chain)
                    createSubchain(i);
        }
        order_.steps.push_back({Layer2Step::Kind::AppendRule, index, fromGuest, reverse});
    }

private:
    Layer2Order& order_;
    std::vector<bool> created_;
    size_t next_ = 0;
};

} // namespace

bool isLayer2(const engine::RuleInstance& rule)
{
    return conf::layerOf(rule.protocol) == conf::Layer::Ethernet;
}

Layer2Order layer2Order(const std::vector<engine::RuleInstance>& rules)
{
    Layer2Order order;
    OrderBuilder builder(order);
    builder.planChains(rules);
    for (size_t i = 0; i < rules.size(); ++i) {
        const auto& rule = rules[i];
        if (!isLayer2(rule))
            continue;
        builder.createSubchainsUpTo(rule.priority);
        // An 'inout' rule: the frames-from-guest half is written reversed.
        if (guestSends(rule.direction))
            builder.appendRule(rule, i, true, rule.direction == conf::Direction::InOut);
        if (guestReceives(rule.direction))
            builder.appendRule(rule, i, false, false);
    }
    builder.createRemainingSubchains();
    return order;
}

int subchainEthertype(std::string_view suffix)
{
    struct Prefix {
        std::string_view prefix;
        int ethertype;
    };
    // Neither of "arp" and "rarp" is a prefix of the other: order is irrelevant.
    static constexpr Prefix kPrefixes[] = {
        {"mac", 0}, {"stp", -1}, {"vlan", 0x8100}, {"arp", 0x0806}, {"rarp", 0x8035}, {"ipv4", 0x0800}, {"ipv6", 0x86dd},
    };
    for (const auto& p : kPrefixes)
        if (suffix.substr(0, p.prefix.size()) == p.prefix)
            return p.ethertype;
    return 0;
}

std::vector<Layer3Pass> layer3Passes(const engine::RuleInstance& rule)
{
    using C = Layer3Chain;
    const bool directionIn = rule.direction != conf::Direction::Out;
    const bool inout = rule.direction == conf::Direction::InOut;
    const engine::ResolvedAttr* state = rule.get(conf::AttrId::State);

    std::vector<Layer3Pass> passes;
    if (state && rule.statematch) {
        // Explicit states: only the chains of the rule's own direction;
        // state NONE matches without a state match.
        std::optional<uint64_t> match;
        if (state->value.number != 0)
            match = state->value.number;
        if (!directionIn || inout)
            passes.push_back({C::ForwardFromGuest, directionIn, match, false, true, directionIn || inout});
        if (directionIn)
            passes.push_back({C::ForwardToGuest, !directionIn, match, false, false, !directionIn || inout});
        if (!directionIn || inout)
            passes.push_back({C::HostFromGuest, directionIn, match, false, true, directionIn});
    } else {
        // Accepted traffic is tracked: the direction that opens connections
        // matches NEW,ESTABLISHED, the other ESTABLISHED.
        const bool track = rule.statematch && !inout;
        auto stateFor = [&](bool opening) -> std::optional<uint64_t> {
            if (!track)
                return std::nullopt;
            return opening ? conf::kStateNew | conf::kStateEstablished : conf::kStateEstablished;
        };
        passes.push_back({C::ForwardFromGuest, directionIn, stateFor(!directionIn), true, true, directionIn || inout});
        passes.push_back({C::ForwardToGuest, !directionIn, stateFor(directionIn), true, false, !directionIn || inout});
        passes.push_back({C::HostFromGuest, directionIn, stateFor(!directionIn), true, true, directionIn});
    }
    return passes;
}

} // namespace vnf::fw
