// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/nftables/layout.hpp"

#include "firewall/rule_order.hpp"
#include "firewall/nftables/script.hpp"

#include <arpa/inet.h>
#include <linux/netfilter/nf_tables.h>

#include <algorithm>
#include <cstdio>
#include <optional>

namespace vnf::fw::nft {

namespace {

using conf::AttrId;
using engine::ResolvedAttr;
using engine::RuleInstance;

// ---- values -------------------------------------------------------------------

std::string be(uint64_t value, size_t bytes)
{
    std::string out(bytes, '\0');
    for (size_t i = 0; i < bytes; ++i)
        out[bytes - 1 - i] = static_cast<char>((value >> (8 * i)) & 0xff);
    return out;
}

std::string hostU32(uint32_t value)
{
    return std::string(reinterpret_cast<const char*>(&value), sizeof value);
}

std::string hexText(uint64_t value, int digits)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%0*llx", digits, static_cast<unsigned long long>(value));
    return buf;
}

std::string macBytes(const std::string& text)
{
    auto mac = conf::MacAddr::parse(text);
    if (!mac)
        throw BackendError("not a MAC address: '" + text + "'");
    return std::string(mac->bytes.begin(), mac->bytes.end());
}

std::string ipBytes(const std::string& text, bool ipv6)
{
    unsigned char buf[16];
    if (inet_pton(ipv6 ? AF_INET6 : AF_INET, text.c_str(), buf) != 1)
        throw BackendError(std::string("not an ") + (ipv6 ? "IPv6" : "IPv4") + " address: '" + text + "'");
    return std::string(reinterpret_cast<const char*>(buf), ipv6 ? 16 : 4);
}

std::string prefixMask(uint64_t prefix, size_t bytes)
{
    std::string out(bytes, '\0');
    for (size_t i = 0; i < bytes * 8 && i < prefix; ++i)
        out[i / 8] = static_cast<char>(out[i / 8] | (0x80 >> (i % 8)));
    return out;
}

std::string maskedText(const std::string& value, const std::string& mask, bool ipv6)
{
    std::string masked = value;
    for (size_t i = 0; i < masked.size(); ++i)
        masked[i] = static_cast<char>(masked[i] & mask[i]);
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(ipv6 ? AF_INET6 : AF_INET, masked.data(), buf, sizeof buf);
    return buf;
}

std::string ipText(const std::string& bytes, bool ipv6)
{
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(ipv6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
    return buf;
}

std::string macText(const std::string& bytes)
{
    char buf[18];
    const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
    return buf;
}

bool allOnes(const std::string& mask)
{
    for (char c : mask)
        if (static_cast<unsigned char>(c) != 0xff)
            return false;
    return true;
}

// ---- fields -------------------------------------------------------------------

Field payload(Base base, uint32_t offset, uint32_t length, std::string text)
{
    Field f;
    f.kind = Field::Kind::Payload;
    f.base = base;
    f.offset = offset;
    f.length = length;
    f.text = std::move(text);
    return f;
}

// A field nft has no name for in this context: @base,bit-offset,bit-length.
Field raw(Base base, uint32_t offset, uint32_t length)
{
    const char* name = base == Base::Link ? "ll" : base == Base::Network ? "nh" : "th";
    return payload(base, offset, length,
                   "@" + std::string(name) + "," + std::to_string(offset * 8) + "," + std::to_string(length * 8));
}

// A meta or conntrack key: loaded whole, `length` bytes.
Field keyField(Field::Kind kind, uint32_t key, uint32_t length, std::string text)
{
    Field f;
    f.kind = kind;
    f.key = key;
    f.length2 = length;
    f.text = std::move(text);
    return f;
}

Field metaField(uint32_t key, uint32_t length, std::string text)
{
    return keyField(Field::Kind::Meta, key, length, std::move(text));
}

Field ctField(uint32_t key, uint32_t length, std::string text)
{
    return keyField(Field::Kind::Ct, key, length, std::move(text));
}

const Field kEtherSaddr = payload(Base::Link, 6, 6, "ether saddr");
const Field kEtherDaddr = payload(Base::Link, 0, 6, "ether daddr");
const Field kEtherType = payload(Base::Link, 12, 2, "ether type");
const Field kL4proto = metaField(NFT_META_L4PROTO, 1, "meta l4proto");

Match value(Field field, std::string bytes, std::string text, bool negated = false)
{
    Match m;
    m.kind = Match::Kind::Value;
    m.field = std::move(field);
    m.value = std::move(bytes);
    m.valueText = std::move(text);
    m.negated = negated;
    return m;
}

Match number(Field field, uint64_t n, bool negated = false, bool hex = false)
{
    const uint32_t length = field.kind == Field::Kind::Payload ? field.length : field.length2;
    std::string text = hex ? hexText(n, static_cast<int>(length * 2)) : std::to_string(n);
    return value(std::move(field), be(n, length), std::move(text), negated);
}

Match range(Field field, uint64_t lo, uint64_t hi, bool negated)
{
    if (lo == hi)
        return number(std::move(field), lo, negated);
    Match m = number(field, lo, negated);
    m.kind = Match::Kind::Range;
    m.high = be(hi, field.length);
    m.highText = std::to_string(hi);
    return m;
}

// ---- rule building ----------------------------------------------------------------

class Builder {
public:
    Builder(Shape& shape, std::vector<std::string>& slotValues, std::vector<SlotSource>* sources = nullptr)
        : shape_(shape), values_(slotValues), sources_(sources)
    {
    }

    // The rule instance the next addresses come from (for SlotSource).
    void atRule(size_t index) { rule_ = index; }

    // An address compared whole goes into a per-port set; a masked one stays
    // in the rule (masks are rare and seldom per port).
    Match address(const Field& field, const std::string& bytes, const std::string& mask, DataType type,
                  bool negated, bool output, std::optional<AttrId> attr = std::nullopt)
    {
        if (mask.empty() || allOnes(mask)) {
            if (sources_ && attr)
                sources_->push_back({rule_, *attr});
            Match m;
            m.kind = Match::Kind::Slot;
            m.field = field;
            m.negated = negated;
            m.keyedByOutput = output;
            m.slot = static_cast<int>(shape_.slots.size());
            shape_.slots.push_back({type, static_cast<uint32_t>(bytes.size()), field.text});
            values_.push_back(bytes);
            return m;
        }
        Match m;
        m.kind = Match::Kind::Value;
        m.field = field;
        m.negated = negated;
        m.mask = mask;
        m.value = bytes;
        for (size_t i = 0; i < m.value.size(); ++i)
            m.value[i] = static_cast<char>(m.value[i] & mask[i]);
        if (type == DataType::Ether) {
            m.valueText = macText(m.value);
            m.maskText = macText(mask);
        } else {
            const bool ipv6 = type == DataType::Ipv6;
            m.valueText = maskedText(bytes, mask, ipv6);
            m.maskText = ipText(mask, ipv6);
        }
        return m;
    }

private:
    Shape& shape_;
    std::vector<std::string>& values_;
    std::vector<SlotSource>* sources_;
    size_t rule_ = 0;
};

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

std::string ruleName(const RuleInstance& rule)
{
    return rule.origin.empty() ? std::string("a rule") : rule.origin;
}

[[noreturn]] void inexpressible(const RuleInstance& rule, const std::string& what)
{
    throw BackendError(ruleName(rule) + ": " + what + " cannot be expressed with the nftables backend");
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

Field ipField(bool ipv6, bool source)
{
    if (ipv6)
        return payload(Base::Network, source ? 8 : 24, 16, source ? "ip6 saddr" : "ip6 daddr");
    return payload(Base::Network, source ? 12 : 16, 4, source ? "ip saddr" : "ip daddr");
}

Field portField(bool source)
{
    return payload(Base::Transport, source ? 0 : 2, 2, source ? "th sport" : "th dport");
}

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

namespace {

bool isAddress(AttrId id)
{
    switch (id) {
    case AttrId::SrcMacAddr: case AttrId::DstMacAddr: case AttrId::RootAddress: case AttrId::SenderAddress:
    case AttrId::ArpSrcMacAddr: case AttrId::ArpDstMacAddr: case AttrId::ArpSrcIpAddr: case AttrId::ArpDstIpAddr:
    case AttrId::SrcIpAddr: case AttrId::DstIpAddr:
        return true;
    default:
        return false;
    }
}

void mix(uint64_t& hash, std::string_view bytes)
{
    for (unsigned char c : bytes) {
        hash ^= c;
        hash *= 0x100000001b3ULL;
    }
    hash ^= 0xff;
    hash *= 0x100000001b3ULL;
}

void mix(uint64_t& hash, uint64_t value)
{
    mix(hash, std::string_view(reinterpret_cast<const char*>(&value), sizeof value));
}

} // namespace

uint64_t hashApartFromAddresses(const std::vector<RuleInstance>& rules)
{
    uint64_t hash = 0xcbf29ce484222325ULL;
    mix(hash, rules.size());
    for (const auto& rule : rules) {
        mix(hash, (static_cast<uint64_t>(rule.action) << 40) | (static_cast<uint64_t>(rule.direction) << 32) |
                      (static_cast<uint64_t>(rule.protocol) << 8) | (rule.statematch ? 1 : 0));
        mix(hash, static_cast<uint64_t>(static_cast<int64_t>(rule.priority)));
        mix(hash, rule.chain);
        mix(hash, rule.origin);
        for (const auto& attr : rule.attrs) {
            mix(hash, (static_cast<uint64_t>(attr.id) << 1) | (attr.negated ? 1 : 0));
            if (!isAddress(attr.id))
                mix(hash, attr.value.text);
        }
    }
    return hash;
}

bool sameApartFrom(const std::vector<RuleInstance>& a, const std::vector<RuleInstance>& b,
                   const std::vector<SlotSource>& sources)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i) {
        const RuleInstance& x = a[i];
        const RuleInstance& y = b[i];
        if (x.action != y.action || x.direction != y.direction || x.priority != y.priority ||
            x.statematch != y.statematch || x.protocol != y.protocol || x.chain != y.chain ||
            x.chainPriority != y.chainPriority || x.origin != y.origin || x.attrs.size() != y.attrs.size())
            return false;
        for (size_t j = 0; j < x.attrs.size(); ++j) {
            const auto& p = x.attrs[j];
            const auto& q = y.attrs[j];
            if (p.id != q.id || p.negated != q.negated)
                return false;
            const bool looked = std::any_of(sources.begin(), sources.end(),
                                            [&](const SlotSource& s) { return s.rule == i && s.attr == p.id; });
            if (!looked && p.value != q.value)
                return false;
        }
    }
    return true;
}

std::vector<std::string> slotValuesOf(const std::vector<RuleInstance>& rules, const std::vector<SlotSource>& sources,
                                      const std::vector<SlotType>& slots)
{
    std::vector<std::string> values;
    values.reserve(sources.size());
    for (size_t i = 0; i < sources.size(); ++i) {
        const ResolvedAttr* attr = rules.at(sources[i].rule).get(sources[i].attr);
        if (!attr)
            throw BackendError("internal: a slot's attribute is missing");
        values.push_back(slots.at(i).type == DataType::Ether ? macBytes(attr->value.text)
                                                             : ipBytes(attr->value.text, slots[i].type == DataType::Ipv6));
    }
    return values;
}

} // namespace vnf::fw::nft
