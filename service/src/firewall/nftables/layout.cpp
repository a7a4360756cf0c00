// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/nftables/layout.hpp"

#include "firewall/nftables/matches.hpp"
#include "firewall/nftables/rule_translation.hpp"
#include "firewall/rule_order.hpp"

namespace vnf::fw::nft {

namespace {

using namespace build;
using engine::RuleInstance;

Chain& chainOf(Shape& shape, const std::string& suffix)
{
    for (auto& c : shape.chains)
        if (c.suffix == suffix)
            return c;
    shape.chains.push_back({suffix, {}});
    return shape.chains.back();
}

void layoutRules(PortLayout& layout, const std::vector<RuleInstance>& rules, std::vector<SlotSource>* sources)
{
    Shape& shape = layout.shape;
    Builder b(shape, layout.slotValues, sources);
    const Layer2Order order = layer2Order(rules);
    if (order.fromGuest)
        chainOf(shape, "l2i");
    if (order.toGuest)
        chainOf(shape, "l2o");
    for (const auto& step : order.steps) {
        if (step.kind == Layer2Step::Kind::CreateSubchain) {
            const Layer2Subchain& sub = order.subchains[step.index];
            const std::string root = sub.fromGuest ? "l2i" : "l2o";
            const std::string target = root + "-" + sub.suffix;
            chainOf(shape, target);
            Rule jump;
            const int ethertype = subchainEthertype(sub.suffix);
            if (ethertype > 0)
                jump.matches.push_back(number(kEtherType, static_cast<uint64_t>(ethertype), false, true));
            else if (ethertype < 0)
                jump.matches.push_back(value(kEtherDaddr, macBytes("01:80:c2:00:00:00"), "01:80:c2:00:00:00"));
            jump.verdict = RuleVerdict::Jump;
            jump.target = target;
            chainOf(shape, root).rules.push_back(std::move(jump));
            continue;
        }
        const RuleInstance& rule = rules[step.index];
        b.atRule(step.index);
        Rule r;
        r.matches = layer2Matches(b, rule, !step.fromGuest, step.reverse);
        r.verdict = verdictOf(rule.action);
        r.comment = commentText(rule.origin);
        const std::string root = step.fromGuest ? "l2i" : "l2o";
        chainOf(shape, rule.inRootChain() ? root : root + "-" + rule.chain).rules.push_back(std::move(r));
    }
    for (size_t index = 0; index < rules.size(); ++index) {
        const RuleInstance& rule = rules[index];
        if (isLayer2(rule))
            continue;
        b.atRule(index);
        for (const Layer3Pass& pass : layer3Passes(rule)) {
            auto r = layer3Rule(b, rule, pass);
            if (!r)
                continue;
            const char* suffix = pass.chain == Layer3Chain::ForwardFromGuest ? "fi"
                                 : pass.chain == Layer3Chain::ForwardToGuest ? "fo"
                                                                             : "hi";
            chainOf(shape, suffix).rules.push_back(std::move(*r));
        }
    }
}

Rule simple(std::vector<Match> matches, RuleVerdict verdict)
{
    Rule r;
    r.matches = std::move(matches);
    r.verdict = verdict;
    return r;
}

Match udpPort(bool source, uint64_t port)
{
    return number(portField(source), port);
}

void layoutLearning(PortLayout& layout, const PortPolicy& policy)
{
    Shape& shape = layout.shape;
    Builder b(shape, layout.slotValues);
    const std::string mac = macBytes(policy.mac.str());
    const Match ipv4 = number(kEtherType, 0x0800, false, true);
    if (policy.kind == PortPolicy::Kind::Basic) {
        shape.label = "learning-any";
        Chain& in = chainOf(shape, "l2i");
        in.rules.push_back(simple({b.address(kEtherSaddr, mac, "", DataType::Ether, true, false)}, RuleVerdict::Drop));
        in.rules.push_back(simple({ipv4}, RuleVerdict::Accept));
        in.rules.push_back(simple({number(kEtherType, 0x0806, false, true)}, RuleVerdict::Accept));
        in.rules.push_back(simple({}, RuleVerdict::Drop));
        return;
    }
    shape.label = "learning-dhcp";
    const Match udp = number(payload(Base::Network, 9, 1, "ip protocol"), 17);
    Chain& in = chainOf(shape, "l2i");
    in.rules.push_back(simple({b.address(kEtherSaddr, mac, "", DataType::Ether, false, false), ipv4, udp,
                               udpPort(true, 68), udpPort(false, 67)},
                              RuleVerdict::Accept));
    in.rules.push_back(simple({}, RuleVerdict::Drop));
    Chain& out = chainOf(shape, "l2o");
    std::vector<std::string> servers = policy.dhcpServers;
    if (servers.empty())
        servers.push_back("");  // from any server
    for (const auto& server : servers) {
        for (bool broadcast : {false, true}) {
            std::vector<Match> m;
            if (broadcast)
                m.push_back(value(kEtherDaddr, std::string(6, '\xff'), "ff:ff:ff:ff:ff:ff"));
            else
                m.push_back(b.address(kEtherDaddr, mac, "", DataType::Ether, false, true));
            m.push_back(ipv4);
            m.push_back(udp);
            if (!server.empty())
                m.push_back(b.address(ipField(false, true), ipBytes(server, false), "", DataType::Ipv4, false, true));
            m.push_back(udpPort(true, 67));
            m.push_back(udpPort(false, 68));
            out.rules.push_back(simple(std::move(m), RuleVerdict::Accept));
        }
    }
    out.rules.push_back(simple({}, RuleVerdict::Drop));
}

} // namespace

PortLayout layoutOf(const PortPolicy& policy, std::vector<SlotSource>* sources)
{
    PortLayout layout;
    switch (policy.kind) {
    case PortPolicy::Kind::Rules:
        layout.shape.label = policy.label.empty() ? "filter" : policy.label;
        layoutRules(layout, policy.rules, sources);
        break;
    case PortPolicy::Kind::Basic:
    case PortPolicy::Kind::DhcpOnly:
        layoutLearning(layout, policy);
        break;
    case PortPolicy::Kind::DropAll: {
        layout.shape.label = "drop-all";
        chainOf(layout.shape, "l2i").rules.push_back(simple({}, RuleVerdict::Drop));
        chainOf(layout.shape, "l2o").rules.push_back(simple({}, RuleVerdict::Drop));
        break;
    }
    }
    // Ports reach the chains through the dispatch maps.
    for (const auto& chain : layout.shape.chains) {
        if (chain.suffix == "l2i")
            layout.shape.entries.push_back({Dispatch::L2FromGuest, chain.suffix});
        else if (chain.suffix == "l2o")
            layout.shape.entries.push_back({Dispatch::L2ToGuest, chain.suffix});
        else if (chain.suffix == "fo")
            layout.shape.entries.push_back({Dispatch::ForwardToGuest, chain.suffix});
        else if (chain.suffix == "fi")
            layout.shape.entries.push_back({Dispatch::ForwardFromGuest, chain.suffix});
        else if (chain.suffix == "hi")
            layout.shape.entries.push_back({Dispatch::HostFromGuest, chain.suffix});
    }
    return layout;
}

} // namespace vnf::fw::nft
