// SPDX-License-Identifier: GPL-2.0-or-later
// iptables/ip6tables rules for layer-3/4 rule instances, with libvirt's
// connection-tracking semantics.
//
// A rule becomes up to three: in the forward-in chain (traffic from the
// guest), the forward-out chain (traffic to the guest) and the host-in chain
// (from the guest to the host). `direction` names the guest's view: 'out' is
// traffic the guest sends, 'in' traffic it receives. In the chain that sees
// the rule's own direction the rule is written as is; in the others source
// and destination are swapped ("reversed").
//
// Accepted traffic is tracked: the direction that opens connections matches
// NEW,ESTABLISHED (conntrack direction Original), the other ESTABLISHED
// (Reply), unless statematch='false'. An explicit state='...' replaces this
// and limits the rule to the chains of its direction. Accepting in the
// forward-in and host-in chains RETURNs, so that later filters still see the
// packet; in the forward-out chain it ACCEPTs.
#include "firewall/ebiptables/rule_render.hpp"

#include "firewall/rule_order.hpp"

#include <optional>

namespace vnf::fw::ebip {

namespace {

using conf::AttrId;
using engine::ResolvedAttr;
using engine::RuleInstance;

constexpr const char* kStateOpening = "NEW,ESTABLISHED";
constexpr const char* kStateReply = "ESTABLISHED";

std::string protocolName(conf::Protocol protocol)
{
    using P = conf::Protocol;
    switch (protocol) {
    case P::Tcp: case P::TcpIpv6: return "tcp";
    case P::Udp: case P::UdpIpv6: return "udp";
    case P::Udplite: case P::UdpliteIpv6: return "udplite";
    case P::Esp: case P::EspIpv6: return "esp";
    case P::Ah: case P::AhIpv6: return "ah";
    case P::Sctp: case P::SctpIpv6: return "sctp";
    case P::Icmp: return "icmp";
    case P::Icmpv6: return "icmpv6";
    case P::Igmp: return "igmp";
    case P::All: case P::AllIpv6: return "all";
    default: return "all";
    }
}

bool hasPorts(conf::Protocol protocol)
{
    using P = conf::Protocol;
    return protocol == P::Tcp || protocol == P::Udp || protocol == P::Sctp || protocol == P::TcpIpv6 ||
           protocol == P::UdpIpv6 || protocol == P::SctpIpv6;
}

bool isIcmp(conf::Protocol protocol)
{
    return protocol == conf::Protocol::Icmp || protocol == conf::Protocol::Icmpv6;
}

class IptArgs {
public:
    IptArgs(const RuleInstance& rule) : rule_(rule) {}
    const ResolvedAttr* get(AttrId id) const { return rule_.get(id); }

    // "[!] --option value": iptables takes the negation before the option.
    void option(const ResolvedAttr& attr, std::initializer_list<std::string> words)
    {
        if (attr.negated)
            args.push_back("!");
        args.insert(args.end(), words);
    }
    std::string withMask(const ResolvedAttr& addr, AttrId maskId) const
    {
        const ResolvedAttr* mask = get(maskId);
        return mask ? addr.value.text + "/" + mask->value.text : addr.value.text;
    }
    std::string range(const ResolvedAttr& lo, AttrId hiId, const char* separator) const
    {
        const ResolvedAttr* hi = get(hiId);
        return hi ? lo.value.text + separator + hi->value.text : lo.value.text;
    }
    std::string numberRange(const ResolvedAttr& lo, AttrId hiId) const
    {
        const ResolvedAttr* hi = get(hiId);
        std::string out = std::to_string(lo.value.number);
        if (hi)
            out += ":" + std::to_string(hi->value.number);
        return out;
    }

    std::vector<std::string> args;

private:
    const RuleInstance& rule_;
};

// Builds the rule for one chain; nullopt when the rule does not apply there.
IptChain iptChainOf(Layer3Chain chain)
{
    switch (chain) {
    case Layer3Chain::ForwardFromGuest: return IptChain::ForwardIn;
    case Layer3Chain::ForwardToGuest: return IptChain::ForwardOut;
    case Layer3Chain::HostFromGuest: return IptChain::HostIn;
    }
    return IptChain::ForwardIn;
}

// The --ctstate text of a pass: an explicit state as the XML spells it, the
// default ones as libvirt writes them.
std::optional<std::string> stateText(const RuleInstance& rule, const Layer3Pass& pass)
{
    if (!pass.state)
        return std::nullopt;
    if (!pass.stateIsDefault)
        return rule.get(AttrId::State)->value.text;
    return std::string(*pass.state & conf::kStateNew ? kStateOpening : kStateReply);
}

std::optional<IptRule> renderPass(const RuleInstance& rule, const Layer3Pass& pass)
{
    IptArgs a(rule);
    const bool reverse = pass.reverse;
    a.args = {"-p", protocolName(rule.protocol)};

    // The source MAC can only be matched where the guest is the source.
    bool macSkipped = false;
    if (const ResolvedAttr* mac = a.get(AttrId::SrcMacAddr)) {
        if (reverse) {
            macSkipped = true;
        } else {
            a.args.insert(a.args.end(), {"-m", "mac"});
            a.option(*mac, {"--mac-source", mac->value.text});
        }
    }
    const size_t argsAfterMac = a.args.size();

    bool skipState = false;
    if (const ResolvedAttr* v = a.get(AttrId::SrcIpAddr))
        a.option(*v, {reverse ? "--destination" : "--source", a.withMask(*v, AttrId::SrcIpMask)});
    if (const ResolvedAttr* v = a.get(AttrId::DstIpAddr))
        a.option(*v, {reverse ? "--source" : "--destination", a.withMask(*v, AttrId::DstIpMask)});
    if (const ResolvedAttr* v = a.get(AttrId::SrcIpFrom)) {
        a.args.insert(a.args.end(), {"-m", "iprange"});
        a.option(*v, {reverse ? "--dst-range" : "--src-range", a.range(*v, AttrId::SrcIpTo, "-")});
    }
    if (const ResolvedAttr* v = a.get(AttrId::DstIpFrom)) {
        a.args.insert(a.args.end(), {"-m", "iprange"});
        a.option(*v, {reverse ? "--src-range" : "--dst-range", a.range(*v, AttrId::DstIpTo, "-")});
    }
    if (const ResolvedAttr* v = a.get(AttrId::Dscp)) {
        a.args.insert(a.args.end(), {"-m", "dscp"});
        a.option(*v, {"--dscp", std::to_string(v->value.number)});
    }
    if (const ResolvedAttr* v = a.get(AttrId::ConnlimitAbove)) {
        // A connection limit only makes sense for connections the guest opens.
        if (reverse)
            return std::nullopt;
        a.args.insert(a.args.end(), {"-m", "connlimit"});
        a.option(*v, {"--connlimit-above", std::to_string(v->value.number)});
        skipState = true;
    }

    if (const ResolvedAttr* v = a.get(AttrId::TcpFlags)) {
        const unsigned mask = static_cast<unsigned>(v->value.number >> 8), flags = v->value.number & 0xff;
        a.option(*v, {"--tcp-flags", conf::tcpFlagsText(mask), conf::tcpFlagsText(flags)});
    }
    if (hasPorts(rule.protocol)) {
        if (const ResolvedAttr* v = a.get(AttrId::SrcPortStart))
            a.option(*v, {reverse ? "--dport" : "--sport", a.numberRange(*v, AttrId::SrcPortEnd)});
        if (const ResolvedAttr* v = a.get(AttrId::DstPortStart))
            a.option(*v, {reverse ? "--sport" : "--dport", a.numberRange(*v, AttrId::DstPortEnd)});
    }
    if (const ResolvedAttr* v = a.get(AttrId::TcpOption))
        a.option(*v, {"--tcp-option", std::to_string(v->value.number)});

    bool hasIcmpType = false;
    if (isIcmp(rule.protocol)) {
        if (const ResolvedAttr* type = a.get(AttrId::IcmpType)) {
            if (pass.maySkipIcmp)
                return std::nullopt;
            hasIcmpType = true;
            std::string value = std::to_string(type->value.number);
            if (const ResolvedAttr* code = a.get(AttrId::IcmpCode))
                value += "/" + std::to_string(code->value.number);
            a.option(*type, {rule.protocol == conf::Protocol::Icmp ? "--icmp-type" : "--icmpv6-type", value});
        }
    }

    // A rule whose only match was the skipped MAC would match everything.
    if (macSkipped && a.args.size() == argsAfterMac)
        return std::nullopt;

    std::string target;
    if (rule.action == conf::Action::Accept) {
        target = pass.acceptContinues ? "RETURN" : "ACCEPT";
    } else {
        if (pass.stateIsDefault)
            skipState = true;  // only accepted traffic is tracked by default
        switch (rule.action) {
        case conf::Action::Drop: target = "DROP"; break;
        case conf::Action::Reject: target = "REJECT"; break;
        case conf::Action::Return: target = "RETURN"; break;
        default: break;  // continue: iptables has no such target; a rule without one falls through
        }
    }
    if (const auto state = stateText(rule, pass); state && !skipState) {
        a.args.insert(a.args.end(), {"-m", "conntrack", "--ctstate", *state});
        if (pass.stateIsDefault && !hasIcmpType)
            a.args.insert(a.args.end(), {"-m", "conntrack", "--ctdir", reverse ? "Reply" : "Original"});
    }
    if (const ResolvedAttr* set = a.get(AttrId::Ipset)) {
        if (const ResolvedAttr* flags = a.get(AttrId::IpsetFlags)) {
            std::string text = flags->value.text;
            if (reverse) {
                std::string swapped;
                for (size_t i = 0; i < text.size(); i += 4)
                    swapped += (i ? "," : "") + std::string(text.compare(i, 3, "src") == 0 ? "dst" : "src");
                text = swapped;
            }
            a.args.insert(a.args.end(), {"-m", "set"});
            a.option(*set, {"--match-set", set->value.text, text});
        }
    }
    if (const ResolvedAttr* comment = a.get(AttrId::Comment))
        a.args.insert(a.args.end(), {"-m", "comment", "--comment", comment->value.text});
    if (!target.empty())
        a.args.insert(a.args.end(), {"-j", target});
    return IptRule{iptChainOf(pass.chain), std::move(a.args), rule.origin};
}

} // namespace

std::vector<IptRule> iptablesRules(const RuleInstance& rule)
{
    std::vector<IptRule> out;
    for (const Layer3Pass& pass : layer3Passes(rule))
        if (auto r = renderPass(rule, pass))
            out.push_back(std::move(*r));
    return out;
}

} // namespace vnf::fw::ebip
