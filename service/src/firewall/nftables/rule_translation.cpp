// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/nftables/rule_translation.hpp"

#include "firewall/backend.hpp"

#include <linux/netfilter/nf_tables.h>

namespace vnf::fw::nft::build {

namespace {

using conf::AttrId;
using engine::ResolvedAttr;
using engine::RuleInstance;

std::string ruleName(const RuleInstance& rule)
{
    return rule.origin.empty() ? std::string("a rule") : rule.origin;
}

[[noreturn]] void inexpressible(const RuleInstance& rule, const std::string& what)
{
    throw BackendError(ruleName(rule) + ": " + what + " cannot be expressed with the nftables backend");
}

class RuleWriter {
public:
    RuleWriter(Builder& b, const RuleInstance& rule, bool output) : b_(b), rule_(rule), output_(output) {}

    const ResolvedAttr* get(AttrId id) const { return rule_.get(id); }

    // maskId nullopt: the attribute has no mask.
    void mac(AttrId addrId, std::optional<AttrId> maskId, const Field& field)
    {
        const ResolvedAttr* addr = get(addrId);
        if (!addr)
            return;
        const ResolvedAttr* mask = maskId ? get(*maskId) : nullptr;
        out.push_back(b_.address(field, macBytes(addr->value.text), mask ? macBytes(mask->value.text) : "",
                                 DataType::Ether, addr->negated, output_, addrId));
    }

    void ip(AttrId addrId, AttrId maskId, const Field& field, bool ipv6)
    {
        const ResolvedAttr* addr = get(addrId);
        if (!addr)
            return;
        const ResolvedAttr* mask = get(maskId);
        const size_t bytes = ipv6 ? 16 : 4;
        out.push_back(b_.address(field, ipBytes(addr->value.text, ipv6),
                                 mask ? prefixMask(mask->value.number, bytes) : "",
                                 ipv6 ? DataType::Ipv6 : DataType::Ipv4, addr->negated, output_, addrId));
    }

    void numberRange(AttrId lo, AttrId hi, const Field& field)
    {
        const ResolvedAttr* l = get(lo);
        if (!l)
            return;
        const ResolvedAttr* h = get(hi);
        out.push_back(range(field, l->value.number, h ? h->value.number : l->value.number, l->negated));
    }

    void ipRange(AttrId from, AttrId to, const Field& field, bool ipv6)
    {
        const ResolvedAttr* f = get(from);
        if (!f)
            return;
        const ResolvedAttr* t = get(to);
        Match m = value(field, ipBytes(f->value.text, ipv6), f->value.text, f->negated);
        if (t) {
            m.kind = Match::Kind::Range;
            m.high = ipBytes(t->value.text, ipv6);
            m.highText = t->value.text;
        }
        out.push_back(std::move(m));
    }

    void push(Match m) { out.push_back(std::move(m)); }

    std::vector<Match> out;

private:
    Builder& b_;
    const RuleInstance& rule_;
    bool output_;
};

void stpFields(RuleWriter& w)
{
    // ebtables' stp match first checks the LLC header of a BPDU.
    w.push(value(raw(Base::Link, 14, 3), "\x42\x42\x03", "0x424203"));
    if (const ResolvedAttr* v = w.get(AttrId::StpType))
        w.push(number(raw(Base::Link, 20, 1), v->value.number, v->negated));
    if (const ResolvedAttr* v = w.get(AttrId::StpFlags))
        w.push(number(raw(Base::Link, 21, 1), v->value.number, v->negated));
    w.numberRange(AttrId::RootPriority, AttrId::RootPriorityHi, raw(Base::Link, 22, 2));
    w.mac(AttrId::RootAddress, AttrId::RootAddressMask, raw(Base::Link, 24, 6));
    w.numberRange(AttrId::RootCost, AttrId::RootCostHi, raw(Base::Link, 30, 4));
    w.numberRange(AttrId::SenderPriority, AttrId::SenderPriorityHi, raw(Base::Link, 34, 2));
    w.mac(AttrId::SenderAddress, AttrId::SenderAddressMask, raw(Base::Link, 36, 6));
    w.numberRange(AttrId::StpPort, AttrId::StpPortHi, raw(Base::Link, 42, 2));
    w.numberRange(AttrId::Age, AttrId::AgeHi, raw(Base::Link, 44, 2));
    w.numberRange(AttrId::MaxAge, AttrId::MaxAgeHi, raw(Base::Link, 46, 2));
    w.numberRange(AttrId::HelloTime, AttrId::HelloTimeHi, raw(Base::Link, 48, 2));
    w.numberRange(AttrId::ForwardDelay, AttrId::ForwardDelayHi, raw(Base::Link, 50, 2));
}

void arpFields(RuleWriter& w, const RuleInstance& rule, bool reverse)
{
    if (const ResolvedAttr* v = w.get(AttrId::HwType))
        w.push(number(raw(Base::Network, 0, 2), v->value.number, v->negated));
    if (const ResolvedAttr* v = w.get(AttrId::Opcode))
        w.push(number(raw(Base::Network, 6, 2), v->value.number, v->negated));
    if (const ResolvedAttr* v = w.get(AttrId::ProtocolType))
        w.push(number(raw(Base::Network, 2, 2), v->value.number, v->negated, true));
    const Field senderIp = raw(Base::Network, 14, 4), targetIp = raw(Base::Network, 24, 4);
    const Field senderMac = raw(Base::Network, 8, 6), targetMac = raw(Base::Network, 18, 6);
    w.ip(AttrId::ArpSrcIpAddr, AttrId::ArpSrcIpMask, reverse ? targetIp : senderIp, false);
    w.ip(AttrId::ArpDstIpAddr, AttrId::ArpDstIpMask, reverse ? senderIp : targetIp, false);
    w.mac(AttrId::ArpSrcMacAddr, std::nullopt, reverse ? targetMac : senderMac);
    w.mac(AttrId::ArpDstMacAddr, std::nullopt, reverse ? senderMac : targetMac);
    if (const ResolvedAttr* v = w.get(AttrId::Gratuitous); v && v->value.number)
        inexpressible(rule, "gratuitous='yes' (sender IP equal to target IP)");
}

void ethernetHeader(RuleWriter& w, bool reverse)
{
    w.mac(AttrId::SrcMacAddr, AttrId::SrcMacMask, reverse ? kEtherDaddr : kEtherSaddr);
    w.mac(AttrId::DstMacAddr, AttrId::DstMacMask, reverse ? kEtherSaddr : kEtherDaddr);
}

uint64_t l4protoOf(conf::Protocol protocol)
{
    using P = conf::Protocol;
    switch (protocol) {
    case P::Tcp: case P::TcpIpv6: return 6;
    case P::Udp: case P::UdpIpv6: return 17;
    case P::Udplite: case P::UdpliteIpv6: return 136;
    case P::Esp: case P::EspIpv6: return 50;
    case P::Ah: case P::AhIpv6: return 51;
    case P::Sctp: case P::SctpIpv6: return 132;
    case P::Icmp: return 1;
    case P::Icmpv6: return 58;
    case P::Igmp: return 2;
    default: return 0;  // all
    }
}

bool hasPorts(conf::Protocol protocol)
{
    using P = conf::Protocol;
    return protocol == P::Tcp || protocol == P::Udp || protocol == P::Sctp || protocol == P::TcpIpv6 ||
           protocol == P::UdpIpv6 || protocol == P::SctpIpv6;
}

// nftables' ct state bits for conf's state flags.
uint32_t ctStateBits(uint64_t flags)
{
    uint32_t bits = 0;
    if (flags & conf::kStateInvalid)
        bits |= 1;
    if (flags & conf::kStateEstablished)
        bits |= 2;
    if (flags & conf::kStateRelated)
        bits |= 4;
    if (flags & conf::kStateNew)
        bits |= 8;
    return bits;
}

std::string ctStateText(uint64_t flags)
{
    std::string out;
    auto add = [&](uint64_t bit, const char* name) {
        if (flags & bit)
            out += (out.empty() ? "" : ",") + std::string(name);
    };
    add(conf::kStateInvalid, "invalid");
    add(conf::kStateEstablished, "established");
    add(conf::kStateRelated, "related");
    add(conf::kStateNew, "new");
    return out;
}

} // namespace

// A rule comment nft can read back: no double quotes, at most 128 bytes.
std::string commentText(std::string text)
{
    for (char& c : text)
        if (c == '"' || c == '\\')
            c = '\'';
    if (text.size() > 128)
        text.resize(128);
    return text;
}

RuleVerdict verdictOf(conf::Action action)
{
    switch (action) {
    case conf::Action::Accept: return RuleVerdict::Accept;
    case conf::Action::Drop: return RuleVerdict::Drop;
    case conf::Action::Reject: return RuleVerdict::Drop;  // see docs: no bridge-family reject everywhere
    case conf::Action::Return: return RuleVerdict::Return;
    case conf::Action::Continue: return RuleVerdict::Continue;
    }
    return RuleVerdict::Drop;
}

std::vector<Match> layer2Matches(Builder& b, const RuleInstance& rule, bool output, bool reverse)
{
    RuleWriter w(b, rule, output);
    using P = conf::Protocol;
    switch (rule.protocol) {
    case P::None:
        break;
    case P::Mac:
        ethernetHeader(w, reverse);
        if (const ResolvedAttr* v = w.get(AttrId::ProtocolId))
            w.push(number(kEtherType, v->value.number, v->negated, true));
        break;
    case P::Vlan:
        ethernetHeader(w, reverse);
        w.push(number(kEtherType, 0x8100, false, true));
        if (const ResolvedAttr* v = w.get(AttrId::VlanId)) {
            Match m = number(payload(Base::Link, 14, 2, "vlan id"), v->value.number, v->negated);
            m.mask = be(0x0fff, 2);
            w.push(std::move(m));
        }
        if (const ResolvedAttr* v = w.get(AttrId::EncapProtocol))
            w.push(number(payload(Base::Link, 16, 2, "vlan type"), v->value.number, v->negated, true));
        break;
    case P::Stp:
        // BPDUs go to the bridge group address; the source MAC is never swapped.
        w.mac(AttrId::SrcMacAddr, AttrId::SrcMacMask, kEtherSaddr);
        w.push(value(kEtherDaddr, macBytes("01:80:c2:00:00:00"), "01:80:c2:00:00:00"));
        stpFields(w);
        break;
    case P::Arp:
    case P::Rarp:
        ethernetHeader(w, reverse);
        w.push(number(kEtherType, rule.protocol == P::Arp ? 0x0806 : 0x8035, false, true));
        arpFields(w, rule, reverse);
        break;
    case P::Ip:
    case P::Ipv6: {
        const bool ipv6 = rule.protocol == P::Ipv6;
        ethernetHeader(w, reverse);
        w.push(number(kEtherType, ipv6 ? 0x86dd : 0x0800, false, true));
        w.ip(AttrId::SrcIpAddr, AttrId::SrcIpMask, ipField(ipv6, !reverse), ipv6);
        w.ip(AttrId::DstIpAddr, AttrId::DstIpMask, ipField(ipv6, reverse), ipv6);
        if (const ResolvedAttr* v = w.get(AttrId::IpProtocol))
            w.push(number(ipv6 ? kL4proto : payload(Base::Network, 9, 1, "ip protocol"), v->value.number,
                          v->negated));
        w.numberRange(AttrId::SrcPortStart, AttrId::SrcPortEnd, portField(!reverse));
        w.numberRange(AttrId::DstPortStart, AttrId::DstPortEnd, portField(reverse));
        if (!ipv6) {
            // libvirt writes dscp as ebtables' --ip-tos: the whole TOS byte.
            if (const ResolvedAttr* v = w.get(AttrId::Dscp))
                w.push(number(raw(Base::Network, 1, 1), v->value.number, v->negated, true));
        } else if (w.get(AttrId::IcmpType) || w.get(AttrId::IcmpCode)) {
            auto span = [&](AttrId lo, AttrId hi, uint32_t offset) {
                const ResolvedAttr* l = w.get(lo);
                if (!l)
                    return;
                const ResolvedAttr* h = w.get(hi);
                w.push(range(raw(Base::Transport, offset, 1), l->value.number, (h ? h : l)->value.number,
                             l->negated));
            };
            span(AttrId::IcmpType, AttrId::IcmpTypeEnd, 0);
            span(AttrId::IcmpCode, AttrId::IcmpCodeEnd, 1);
        }
        break;
    }
    default:
        break;
    }
    return std::move(w.out);
}

// One layer-3/4 rule in one of its passes; nullopt when it does not apply there.
std::optional<Rule> layer3Rule(Builder& b, const RuleInstance& rule, const Layer3Pass& pass)
{
    const bool ipv6 = conf::layerOf(rule.protocol) == conf::Layer::Ipv6;
    const bool reverse = pass.reverse;
    const bool output = pass.chain == Layer3Chain::ForwardToGuest;
    RuleWriter w(b, rule, output);
    w.push(number(kEtherType, ipv6 ? 0x86dd : 0x0800, false, true));
    if (const uint64_t proto = l4protoOf(rule.protocol))
        w.push(number(kL4proto, proto));

    // The source MAC can only be matched where the guest is the source.
    bool macSkipped = false;
    if (w.get(AttrId::SrcMacAddr)) {
        if (reverse)
            macSkipped = true;
        else
            w.mac(AttrId::SrcMacAddr, AttrId::SrcMacMask, kEtherSaddr);
    }
    const size_t afterMac = w.out.size();

    bool skipState = false;
    w.ip(AttrId::SrcIpAddr, AttrId::SrcIpMask, ipField(ipv6, !reverse), ipv6);
    w.ip(AttrId::DstIpAddr, AttrId::DstIpMask, ipField(ipv6, reverse), ipv6);
    w.ipRange(AttrId::SrcIpFrom, AttrId::SrcIpTo, ipField(ipv6, !reverse), ipv6);
    w.ipRange(AttrId::DstIpFrom, AttrId::DstIpTo, ipField(ipv6, reverse), ipv6);
    if (const ResolvedAttr* v = w.get(AttrId::Dscp)) {
        Match m = ipv6 ? number(payload(Base::Network, 0, 2, "ip6 dscp"), v->value.number << 6, v->negated)
                       : number(payload(Base::Network, 1, 1, "ip dscp"), v->value.number << 2, v->negated);
        m.mask = ipv6 ? be(0x0fc0, 2) : be(0xfc, 1);
        m.valueText = std::to_string(v->value.number);
        w.push(std::move(m));
    }
    if (w.get(AttrId::ConnlimitAbove)) {
        if (reverse)
            return std::nullopt;  // a connection limit only makes sense for connections the guest opens
        inexpressible(rule, "connlimit-above");
    }
    if (const ResolvedAttr* v = w.get(AttrId::TcpFlags)) {
        Match m = number(payload(Base::Transport, 13, 1, "tcp flags"), v->value.number & 0xff, v->negated);
        m.mask = be(v->value.number >> 8, 1);
        m.maskText = std::to_string(v->value.number >> 8);
        w.push(std::move(m));
    }
    if (hasPorts(rule.protocol)) {
        w.numberRange(AttrId::SrcPortStart, AttrId::SrcPortEnd, portField(!reverse));
        w.numberRange(AttrId::DstPortStart, AttrId::DstPortEnd, portField(reverse));
    }
    if (w.get(AttrId::TcpOption))
        inexpressible(rule, "option= (a TCP option)");
    bool hasIcmpType = false;
    if (rule.protocol == conf::Protocol::Icmp || rule.protocol == conf::Protocol::Icmpv6) {
        if (const ResolvedAttr* type = w.get(AttrId::IcmpType)) {
            if (pass.maySkipIcmp)
                return std::nullopt;
            hasIcmpType = true;
            // iptables negates type and code together.
            const ResolvedAttr* code = w.get(AttrId::IcmpCode);
            if (type->negated && code)
                inexpressible(rule, "a negated ICMP type with a code");
            w.push(number(payload(Base::Transport, 0, 1, rule.protocol == conf::Protocol::Icmp ? "icmp type"
                                                                                             : "icmpv6 type"),
                          type->value.number, type->negated));
            if (code)
                w.push(number(payload(Base::Transport, 1, 1, rule.protocol == conf::Protocol::Icmp ? "icmp code"
                                                                                                 : "icmpv6 code"),
                              code->value.number));
        }
    }
    if (w.get(AttrId::Ipset))
        inexpressible(rule, "ipset= (an ipset)");
    // A rule whose only match was the skipped MAC would match everything.
    if (macSkipped && w.out.size() == afterMac)
        return std::nullopt;

    Rule out;
    if (rule.action == conf::Action::Accept) {
        out.verdict = pass.acceptContinues ? RuleVerdict::Return : RuleVerdict::Accept;
    } else {
        if (pass.stateIsDefault)
            skipState = true;  // only accepted traffic is tracked by default
        out.verdict = verdictOf(rule.action);
    }
    if (pass.state && !skipState) {
        Match state;
        state.kind = Match::Kind::Flags;
        state.field = ctField(NFT_CT_STATE, 4, "ct state");
        state.value = hostU32(ctStateBits(*pass.state));
        state.valueText = ctStateText(*pass.state);
        w.push(std::move(state));
        if (pass.stateIsDefault && !hasIcmpType) {
            Match dir = value(ctField(NFT_CT_DIRECTION, 1, "ct direction"), std::string(1, reverse ? '\1' : '\0'),
                              reverse ? "reply" : "original");
            w.push(std::move(dir));
        }
    }
    out.matches = std::move(w.out);
    std::string comment = rule.origin;
    if (const ResolvedAttr* text = rule.get(AttrId::Comment))
        comment += (comment.empty() ? "" : ": ") + text->value.text;
    out.comment = commentText(comment);
    return out;
}

} // namespace vnf::fw::nft::build
