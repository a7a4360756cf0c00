// SPDX-License-Identifier: GPL-2.0-or-later
// ebtables (bridge nat table) rules for layer-2 rule instances.
#include "firewall/ebiptables/rule_render.hpp"

#include "util/strings.hpp"

namespace vnf::fw::ebip {

namespace {

using conf::AttrId;
using engine::ResolvedAttr;
using engine::RuleInstance;

class EbArgs {
public:
    EbArgs(const RuleInstance& rule, std::vector<std::string>& out) : rule_(rule), out_(out) {}

    const ResolvedAttr* get(AttrId id) const { return rule_.get(id); }

    // "--option [!] value": ebtables takes the negation after the option.
    void option(const std::string& name, const ResolvedAttr& attr, const std::string& value)
    {
        out_.push_back(name);
        if (attr.negated)
            out_.push_back("!");
        out_.push_back(value);
    }

    // "addr[/mask]" for an address attribute and its optional mask.
    std::string withMask(const ResolvedAttr& addr, AttrId maskId) const
    {
        const ResolvedAttr* mask = get(maskId);
        return mask ? addr.value.text + "/" + mask->value.text : addr.value.text;
    }

    // "lo[:hi]" for a number and its optional upper end.
    std::string range(const ResolvedAttr& lo, AttrId hiId) const
    {
        const ResolvedAttr* hi = get(hiId);
        std::string out = std::to_string(lo.value.number);
        if (hi)
            out += ":" + std::to_string(hi->value.number);
        return out;
    }

    void macAddress(AttrId addrId, AttrId maskId, const std::string& optionName)
    {
        if (const ResolvedAttr* addr = get(addrId))
            option(optionName, *addr, withMask(*addr, maskId));
    }

    // Source and destination MAC (swapped when reversing), then -p.
    void ethernetHeader(bool reverse)
    {
        macAddress(AttrId::SrcMacAddr, AttrId::SrcMacMask, reverse ? "-d" : "-s");
        macAddress(AttrId::DstMacAddr, AttrId::DstMacMask, reverse ? "-s" : "-d");
    }

    void push(std::initializer_list<std::string> args) { out_.insert(out_.end(), args); }

private:
    const RuleInstance& rule_;
    std::vector<std::string>& out_;
};

std::string target(conf::Action action)
{
    switch (action) {
    case conf::Action::Accept: return "ACCEPT";
    case conf::Action::Drop: return "DROP";
    case conf::Action::Reject: return "DROP";  // ebtables cannot reject
    case conf::Action::Return: return "RETURN";
    case conf::Action::Continue: return "CONTINUE";
    }
    return "DROP";
}

void stpOptions(EbArgs& a)
{
    if (const ResolvedAttr* type = a.get(AttrId::StpType))
        a.option("--stp-type", *type, std::to_string(type->value.number));
    if (const ResolvedAttr* flags = a.get(AttrId::StpFlags))
        a.option("--stp-flags", *flags, std::to_string(flags->value.number));
    auto field = [&](AttrId lo, AttrId hi, const char* option) {
        if (const ResolvedAttr* v = a.get(lo))
            a.option(option, *v, a.range(*v, hi));
    };
    auto mac = [&](AttrId addr, AttrId mask, const char* option) {
        if (const ResolvedAttr* v = a.get(addr))
            a.option(option, *v, a.withMask(*v, mask));
    };
    field(AttrId::RootPriority, AttrId::RootPriorityHi, "--stp-root-pri");
    mac(AttrId::RootAddress, AttrId::RootAddressMask, "--stp-root-addr");
    field(AttrId::RootCost, AttrId::RootCostHi, "--stp-root-cost");
    field(AttrId::SenderPriority, AttrId::SenderPriorityHi, "--stp-sender-prio");
    mac(AttrId::SenderAddress, AttrId::SenderAddressMask, "--stp-sender-addr");
    field(AttrId::StpPort, AttrId::StpPortHi, "--stp-port");
    field(AttrId::Age, AttrId::AgeHi, "--stp-msg-age");
    field(AttrId::MaxAge, AttrId::MaxAgeHi, "--stp-max-age");
    field(AttrId::HelloTime, AttrId::HelloTimeHi, "--stp-hello-time");
    field(AttrId::ForwardDelay, AttrId::ForwardDelayHi, "--stp-forward-delay");
}

void arpOptions(EbArgs& a, bool reverse)
{
    if (const ResolvedAttr* v = a.get(AttrId::HwType))
        a.option("--arp-htype", *v, std::to_string(v->value.number));
    if (const ResolvedAttr* v = a.get(AttrId::Opcode))
        a.option("--arp-opcode", *v, std::to_string(v->value.number));
    if (const ResolvedAttr* v = a.get(AttrId::ProtocolType))
        a.option("--arp-ptype", *v, util::hex(v->value.number));
    if (const ResolvedAttr* v = a.get(AttrId::ArpSrcIpAddr))
        a.option(reverse ? "--arp-ip-dst" : "--arp-ip-src", *v, a.withMask(*v, AttrId::ArpSrcIpMask));
    if (const ResolvedAttr* v = a.get(AttrId::ArpDstIpAddr))
        a.option(reverse ? "--arp-ip-src" : "--arp-ip-dst", *v, a.withMask(*v, AttrId::ArpDstIpMask));
    if (const ResolvedAttr* v = a.get(AttrId::ArpSrcMacAddr))
        a.option(reverse ? "--arp-mac-dst" : "--arp-mac-src", *v, v->value.text);
    if (const ResolvedAttr* v = a.get(AttrId::ArpDstMacAddr))
        a.option(reverse ? "--arp-mac-src" : "--arp-mac-dst", *v, v->value.text);
    if (const ResolvedAttr* v = a.get(AttrId::Gratuitous); v && v->value.number) {
        if (v->negated)
            a.push({"!"});
        a.push({"--arp-gratuitous"});
    }
}

// The IP part of ip and ipv6 rules. `family` is "ip" or "ip6" as in the
// option names (--ip-source, --ip6-source, ...).
void ipOptions(EbArgs& a, bool reverse, const std::string& family)
{
    const std::string src = "--" + family + "-source", dst = "--" + family + "-destination";
    if (const ResolvedAttr* v = a.get(AttrId::SrcIpAddr))
        a.option(reverse ? dst : src, *v, a.withMask(*v, AttrId::SrcIpMask));
    if (const ResolvedAttr* v = a.get(AttrId::DstIpAddr))
        a.option(reverse ? src : dst, *v, a.withMask(*v, AttrId::DstIpMask));
    if (const ResolvedAttr* v = a.get(AttrId::IpProtocol))
        a.option("--" + family + "-protocol", *v, std::to_string(v->value.number));
    const std::string srcPort = src + "-port", dstPort = dst + "-port";
    if (const ResolvedAttr* v = a.get(AttrId::SrcPortStart))
        a.option(reverse ? dstPort : srcPort, *v, a.range(*v, AttrId::SrcPortEnd));
    if (const ResolvedAttr* v = a.get(AttrId::DstPortStart))
        a.option(reverse ? srcPort : dstPort, *v, a.range(*v, AttrId::DstPortEnd));
}

} // namespace

std::vector<std::string> ebtablesRuleArgs(const RuleInstance& rule, bool reverse)
{
    std::vector<std::string> out;
    EbArgs a(rule, out);
    switch (rule.protocol) {
    case conf::Protocol::None:
        break;
    case conf::Protocol::Mac:
        a.ethernetHeader(reverse);
        if (const ResolvedAttr* v = a.get(AttrId::ProtocolId))
            a.option("-p", *v, util::hex(v->value.number));
        break;
    case conf::Protocol::Vlan:
        a.ethernetHeader(reverse);
        a.push({"-p", "0x8100"});
        if (const ResolvedAttr* v = a.get(AttrId::VlanId))
            a.option("--vlan-id", *v, std::to_string(v->value.number));
        if (const ResolvedAttr* v = a.get(AttrId::EncapProtocol))
            a.option("--vlan-encap", *v, std::to_string(v->value.number));
        break;
    case conf::Protocol::Stp:
        // BPDUs go to the bridge group address; the source MAC is never
        // swapped, as a reversed -d would clash with it.
        a.macAddress(AttrId::SrcMacAddr, AttrId::SrcMacMask, "-s");
        a.push({"-d", "01:80:c2:00:00:00"});
        stpOptions(a);
        break;
    case conf::Protocol::Arp:
    case conf::Protocol::Rarp:
        a.ethernetHeader(reverse);
        a.push({"-p", rule.protocol == conf::Protocol::Arp ? "0x806" : "0x8035"});
        arpOptions(a, reverse);
        break;
    case conf::Protocol::Ip:
        a.ethernetHeader(reverse);
        a.push({"-p", "ipv4"});
        ipOptions(a, reverse, "ip");
        if (const ResolvedAttr* v = a.get(AttrId::Dscp))
            a.option("--ip-tos", *v, util::hex(v->value.number));
        break;
    case conf::Protocol::Ipv6:
        a.ethernetHeader(reverse);
        a.push({"-p", "ipv6"});
        ipOptions(a, reverse, "ip6");
        if (a.get(AttrId::IcmpType) || a.get(AttrId::IcmpCode)) {
            auto span = [&](AttrId lo, AttrId hi) {
                const ResolvedAttr* l = a.get(lo);
                if (!l)
                    return std::string("0:255");
                const ResolvedAttr* h = a.get(hi);
                return std::to_string(l->value.number) + ":" + std::to_string((h ? h : l)->value.number);
            };
            const ResolvedAttr* first = a.get(AttrId::IcmpType) ? a.get(AttrId::IcmpType) : a.get(AttrId::IcmpCode);
            a.option("--ip6-icmp-type", *first,
                     span(AttrId::IcmpType, AttrId::IcmpTypeEnd) + "/" + span(AttrId::IcmpCode, AttrId::IcmpCodeEnd));
        }
        break;
    default:
        break;  // layer-3/4 protocols are iptables rules
    }
    out.push_back("-j");
    out.push_back(target(rule.action));
    return out;
}

} // namespace vnf::fw::ebip
