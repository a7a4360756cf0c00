// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/ebiptables/ebt_encode.hpp"

#include "firewall/ebiptables/ebt_values.hpp"

#include "firewall/ebiptables/restore.hpp"
#include "firewall/netlink/nft_expr.hpp"

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter_bridge/ebt_arp.h>
#include <linux/netfilter_bridge/ebt_ip.h>
#include <linux/netfilter_bridge/ebt_ip6.h>
#include <linux/netfilter_bridge/ebt_stp.h>
#include <linux/netfilter_bridge/ebt_vlan.h>

#include <array>
#include <cstring>
#include <optional>

namespace vnf::fw::ebip {

namespace {

using values::kAllOnesMac;
using values::Mac;
constexpr Mac kBridgeGroupAddress = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x00};

[[noreturn]] void unsupported(const std::string& why)
{
    throw UnsupportedRule(why);
}

template <typename T>
std::string infoBytes(const T& info)
{
    std::string out(XT_ALIGN(sizeof(T)), '\0');
    std::memcpy(out.data(), &info, sizeof(T));
    return out;
}

// ---- the rule -------------------------------------------------------------------

struct Header {
    std::optional<std::pair<Mac, Mac>> source, destination;
    bool invSource = false, invDestination = false;
    std::string in, out;
    bool invIn = false, invOut = false;
    std::optional<uint16_t> proto;
    bool invProto = false;
};

// The extension of a rule: vnetfilter writes at most one per rule. Each
// info struct is zeroed byte by byte, padding included, because its bytes go
// to the kernel as they are and must equal what ebtables sends.
struct Extension {
    enum class Kind { None, Ip, Ip6, Arp, Vlan, Stp } kind = Kind::None;
    ebt_ip_info ip;
    ebt_ip6_info ip6;
    ebt_arp_info arp;
    ebt_vlan_info vlan;
    ebt_stp_info stp;

    Extension()
    {
        std::memset(&ip, 0, sizeof ip);
        std::memset(&ip6, 0, sizeof ip6);
        std::memset(&arp, 0, sizeof arp);
        std::memset(&vlan, 0, sizeof vlan);
        std::memset(&stp, 0, sizeof stp);
    }

    template <typename T>
    T& use(Kind wanted, T& info)
    {
        if (kind != Kind::None && kind != wanted)
            unsupported("options of two extensions in one rule");
        kind = wanted;
        return info;
    }
};

class Parser {
public:
    explicit Parser(const std::vector<std::string>& args) : args_(args) {}

    void run()
    {
        while (at_ < args_.size()) {
            bool negated = false;
            if (args_[at_] == "!") {
                negated = true;
                ++at_;
            }
            if (at_ >= args_.size())
                unsupported("'!' at the end");
            const std::string option = args_[at_++];
            option_ = option;
            handle(option, negated);
        }
        if (!haveTarget_)
            unsupported("no -j target");
    }

    Header header;
    Extension ext;
    nft::Verdict verdict = nft::Verdict::Continue;
    std::string jumpChain;

private:
    // The option's value; a '!' between option and value negates it.
    std::string value(bool& negated)
    {
        if (at_ < args_.size() && args_[at_] == "!") {
            if (negated)
                unsupported("'!' twice for " + option_);
            negated = true;
            ++at_;
        }
        if (at_ >= args_.size())
            unsupported("no value for " + option_);
        return args_[at_++];
    }

    void handle(const std::string& option, bool negated);
    void ipOption(const std::string& option, bool negated);
    void ip6Option(const std::string& option, bool negated);
    void arpOption(const std::string& option, bool negated);
    void vlanOption(const std::string& option, bool negated);
    void stpOption(const std::string& option, bool negated);

    const std::vector<std::string>& args_;
    size_t at_ = 0;
    std::string option_;
    bool haveTarget_ = false;
};

void Parser::handle(const std::string& option, bool negated)
{
    auto once = [&](bool already) {
        if (already)
            unsupported(option + " given twice");
    };
    if (option == "-s" || option == "-d") {
        auto& slot = option == "-s" ? header.source : header.destination;
        once(slot.has_value());
        slot = values::macWithMask(value(negated), option);
        (option == "-s" ? header.invSource : header.invDestination) = negated;
    } else if (option == "-i" || option == "-o") {
        std::string& slot = option == "-i" ? header.in : header.out;
        once(!slot.empty());
        slot = value(negated);
        // '+' is ebtables' wildcard; vnetfilter's interface names never have one.
        if (slot.empty() || slot.size() >= IFNAMSIZ || slot.find('+') != std::string::npos)
            unsupported("interface '" + slot + "'");
        (option == "-i" ? header.invIn : header.invOut) = negated;
    } else if (option == "-p") {
        once(header.proto.has_value());
        header.proto = values::ethertype(value(negated));
        header.invProto = negated;
    } else if (option == "-j") {
        once(haveTarget_);
        const std::string target = value(negated);
        if (negated)  // before -j or before its target
            unsupported("'!' with -j");
        haveTarget_ = true;
        if (target == "ACCEPT")
            verdict = nft::Verdict::Accept;
        else if (target == "DROP")
            verdict = nft::Verdict::Drop;
        else if (target == "RETURN")
            verdict = nft::Verdict::Return;
        else if (target == "CONTINUE")
            verdict = nft::Verdict::Continue;
        else if (isOurChain(Table::Ebtables, target)) {
            verdict = nft::Verdict::Jump;
            jumpChain = target;
        } else
            unsupported("target '" + target + "'");
    } else if (option.rfind("--ip6-", 0) == 0) {
        ip6Option(option, negated);
    } else if (option.rfind("--ip-", 0) == 0) {
        ipOption(option, negated);
    } else if (option.rfind("--arp-", 0) == 0) {
        arpOption(option, negated);
    } else if (option.rfind("--vlan-", 0) == 0) {
        vlanOption(option, negated);
    } else if (option.rfind("--stp-", 0) == 0) {
        stpOption(option, negated);
    } else {
        unsupported("option '" + option + "'");
    }
    if (haveTarget_ && at_ < args_.size())
        unsupported("arguments after the target");
}

// Sets `flag` in the extension's bitmask (and invflags when negated); each
// option may appear once.
template <typename Info, typename Flag>
void mark(Info& info, Flag flag, bool negated, const std::string& option)
{
    if (info.bitmask & flag)
        unsupported(option + " given twice");
    info.bitmask |= flag;
    if (negated)
        info.invflags |= flag;
}

void Parser::ipOption(const std::string& option, bool negated)
{
    ebt_ip_info& ip = ext.use(Extension::Kind::Ip, ext.ip);
    if (option == "--ip-source" || option == "--ip-src" || option == "--ip-destination" || option == "--ip-dst") {
        const bool src = option == "--ip-source" || option == "--ip-src";
        auto [addr, mask] = values::ipv4WithMask(value(negated), option);
        mark(ip, src ? EBT_IP_SOURCE : EBT_IP_DEST, negated, option);
        (src ? ip.saddr : ip.daddr) = addr;
        (src ? ip.smsk : ip.dmsk) = mask;
    } else if (option == "--ip-tos") {
        const uint32_t tos = values::number(value(negated), 16, 0xff, option);
        mark(ip, EBT_IP_TOS, negated, option);
        ip.tos = static_cast<uint8_t>(tos);
    } else if (option == "--ip-protocol" || option == "--ip-proto") {
        const uint8_t proto = values::ipProtocol(value(negated), option);
        mark(ip, EBT_IP_PROTO, negated, option);
        ip.protocol = proto;
    } else if (option == "--ip-source-port" || option == "--ip-sport" || option == "--ip-destination-port" ||
               option == "--ip-dport") {
        const bool src = option == "--ip-source-port" || option == "--ip-sport";
        auto ports = values::range(value(negated), 0xffff, option);
        mark(ip, src ? EBT_IP_SPORT : EBT_IP_DPORT, negated, option);
        auto& slot = src ? ip.sport : ip.dport;
        slot[0] = static_cast<uint16_t>(ports[0]);
        slot[1] = static_cast<uint16_t>(ports[1]);
    } else {
        unsupported("option '" + option + "'");
    }
}

void Parser::ip6Option(const std::string& option, bool negated)
{
    ebt_ip6_info& ip = ext.use(Extension::Kind::Ip6, ext.ip6);
    if (option == "--ip6-source" || option == "--ip6-src" || option == "--ip6-destination" || option == "--ip6-dst") {
        const bool src = option == "--ip6-source" || option == "--ip6-src";
        auto [addr, mask] = values::ipv6WithMask(value(negated), option);
        mark(ip, src ? EBT_IP6_SOURCE : EBT_IP6_DEST, negated, option);
        (src ? ip.saddr : ip.daddr) = addr;
        (src ? ip.smsk : ip.dmsk) = mask;
    } else if (option == "--ip6-protocol" || option == "--ip6-proto") {
        const uint8_t proto = values::ipProtocol(value(negated), option);
        mark(ip, EBT_IP6_PROTO, negated, option);
        ip.protocol = proto;
    } else if (option == "--ip6-source-port" || option == "--ip6-sport" || option == "--ip6-destination-port" ||
               option == "--ip6-dport") {
        const bool src = option == "--ip6-source-port" || option == "--ip6-sport";
        auto ports = values::range(value(negated), 0xffff, option);
        mark(ip, src ? EBT_IP6_SPORT : EBT_IP6_DPORT, negated, option);
        auto& slot = src ? ip.sport : ip.dport;
        slot[0] = static_cast<uint16_t>(ports[0]);
        slot[1] = static_cast<uint16_t>(ports[1]);
    } else if (option == "--ip6-icmp-type") {
        // "type[:type]/code[:code]"
        const std::string text = value(negated);
        const auto slash = text.find('/');
        if (slash == std::string::npos)
            unsupported(option + " '" + text + "' without a code range");
        auto types = values::range(text.substr(0, slash), 0xff, option);
        auto codes = values::range(text.substr(slash + 1), 0xff, option);
        mark(ip, EBT_IP6_ICMP6, negated, option);
        ip.icmpv6_type[0] = static_cast<uint8_t>(types[0]);
        ip.icmpv6_type[1] = static_cast<uint8_t>(types[1]);
        ip.icmpv6_code[0] = static_cast<uint8_t>(codes[0]);
        ip.icmpv6_code[1] = static_cast<uint8_t>(codes[1]);
    } else {
        unsupported("option '" + option + "'");
    }
}

void Parser::arpOption(const std::string& option, bool negated)
{
    ebt_arp_info& arp = ext.use(Extension::Kind::Arp, ext.arp);
    if (option == "--arp-opcode" || option == "--arp-op") {
        const uint32_t v = values::number(value(negated), 10, 0xffff, option);
        mark(arp, EBT_ARP_OPCODE, negated, option);
        arp.opcode = htons(static_cast<uint16_t>(v));
    } else if (option == "--arp-htype") {
        const uint32_t v = values::number(value(negated), 10, 0xffff, option);
        mark(arp, EBT_ARP_HTYPE, negated, option);
        arp.htype = htons(static_cast<uint16_t>(v));
    } else if (option == "--arp-ptype") {
        const uint32_t v = values::number(value(negated), 16, 0xffff, option);
        mark(arp, EBT_ARP_PTYPE, negated, option);
        arp.ptype = htons(static_cast<uint16_t>(v));
    } else if (option == "--arp-ip-src" || option == "--arp-ip-dst") {
        const bool src = option == "--arp-ip-src";
        auto [addr, mask] = values::ipv4WithMask(value(negated), option);
        mark(arp, src ? EBT_ARP_SRC_IP : EBT_ARP_DST_IP, negated, option);
        (src ? arp.saddr : arp.daddr) = addr;
        (src ? arp.smsk : arp.dmsk) = mask;
    } else if (option == "--arp-mac-src" || option == "--arp-mac-dst") {
        const bool src = option == "--arp-mac-src";
        auto [addr, mask] = values::macWithMask(value(negated), option);
        mark(arp, src ? EBT_ARP_SRC_MAC : EBT_ARP_DST_MAC, negated, option);
        std::memcpy(src ? arp.smaddr : arp.dmaddr, addr.data(), ETH_ALEN);
        std::memcpy(src ? arp.smmsk : arp.dmmsk, mask.data(), ETH_ALEN);
    } else if (option == "--arp-gratuitous") {
        mark(arp, EBT_ARP_GRAT, negated, option);
    } else {
        unsupported("option '" + option + "'");
    }
}

void Parser::vlanOption(const std::string& option, bool negated)
{
    ebt_vlan_info& vlan = ext.use(Extension::Kind::Vlan, ext.vlan);
    if (option == "--vlan-id") {
        const uint32_t v = values::number(value(negated), 10, 4094, option);
        mark(vlan, EBT_VLAN_ID, negated, option);
        vlan.id = static_cast<uint16_t>(v);
    } else if (option == "--vlan-prio") {
        const uint32_t v = values::number(value(negated), 10, 7, option);
        mark(vlan, EBT_VLAN_PRIO, negated, option);
        vlan.prio = static_cast<uint8_t>(v);
    } else if (option == "--vlan-encap") {
        const uint32_t v = values::number(value(negated), 16, 0xffff, option);
        mark(vlan, EBT_VLAN_ENCAP, negated, option);
        vlan.encap = htons(static_cast<uint16_t>(v));
    } else {
        unsupported("option '" + option + "'");
    }
}

void Parser::stpOption(const std::string& option, bool negated)
{
    ebt_stp_info& stp = ext.use(Extension::Kind::Stp, ext.stp);
    ebt_stp_config_info& c = stp.config;
    auto u16Range = [&](uint16_t flag, uint16_t& lo, uint16_t& hi) {
        auto r = values::range(value(negated), 0xffff, option);
        mark(stp, flag, negated, option);
        lo = static_cast<uint16_t>(r[0]);
        hi = static_cast<uint16_t>(r[1]);
    };
    auto address = [&](uint16_t flag, char* addr, char* mask) {
        auto [a, m] = values::macWithMask(value(negated), option);
        mark(stp, flag, negated, option);
        std::memcpy(addr, a.data(), ETH_ALEN);
        std::memcpy(mask, m.data(), ETH_ALEN);
    };
    if (option == "--stp-type") {
        const uint32_t v = values::number(value(negated), 10, 0xff, option);
        mark(stp, EBT_STP_TYPE, negated, option);
        stp.type = static_cast<uint8_t>(v);
    } else if (option == "--stp-flags") {
        const uint32_t v = values::number(value(negated), 10, 0xff, option);
        mark(stp, EBT_STP_FLAGS, negated, option);
        c.flags = static_cast<uint8_t>(v);
    } else if (option == "--stp-root-pri") {
        u16Range(EBT_STP_ROOTPRIO, c.root_priol, c.root_priou);
    } else if (option == "--stp-root-addr") {
        address(EBT_STP_ROOTADDR, c.root_addr, c.root_addrmsk);
    } else if (option == "--stp-root-cost") {
        auto r = values::range(value(negated), 0xffffffff, option);
        mark(stp, EBT_STP_ROOTCOST, negated, option);
        c.root_costl = r[0];
        c.root_costu = r[1];
    } else if (option == "--stp-sender-prio") {
        u16Range(EBT_STP_SENDERPRIO, c.sender_priol, c.sender_priou);
    } else if (option == "--stp-sender-addr") {
        address(EBT_STP_SENDERADDR, c.sender_addr, c.sender_addrmsk);
    } else if (option == "--stp-port") {
        u16Range(EBT_STP_PORT, c.portl, c.portu);
    } else if (option == "--stp-msg-age") {
        u16Range(EBT_STP_MSGAGE, c.msg_agel, c.msg_ageu);
    } else if (option == "--stp-max-age") {
        u16Range(EBT_STP_MAXAGE, c.max_agel, c.max_ageu);
    } else if (option == "--stp-hello-time") {
        u16Range(EBT_STP_HELLOTIME, c.hello_timel, c.hello_timeu);
    } else if (option == "--stp-forward-delay") {
        u16Range(EBT_STP_FWDD, c.forward_delayl, c.forward_delayu);
    } else {
        unsupported("option '" + option + "'");
    }
}

// ebtables refuses an extension without the protocol it inspects.
void checkExtensionProtocol(const Header& h, const Extension& ext)
{
    auto needs = [&](std::initializer_list<uint16_t> protos, const char* name) {
        bool ok = h.proto && !h.invProto;
        if (ok) {
            ok = false;
            for (uint16_t p : protos)
                ok = ok || *h.proto == p;
        }
        if (!ok)
            unsupported(std::string(name) + " options without the matching -p");
    };
    switch (ext.kind) {
    case Extension::Kind::None: break;
    case Extension::Kind::Ip: needs({ETH_P_IP}, "ip"); break;
    case Extension::Kind::Ip6: needs({ETH_P_IPV6}, "ip6"); break;
    case Extension::Kind::Arp: needs({ETH_P_ARP, ETH_P_RARP}, "arp"); break;
    case Extension::Kind::Vlan: needs({ETH_P_8021Q}, "vlan"); break;
    case Extension::Kind::Stp:
        if (!h.destination || h.invDestination || h.destination->first != kBridgeGroupAddress ||
            h.destination->second != kAllOnesMac)
            unsupported("stp options without -d 01:80:c2:00:00:00");
        break;
    }
}

// A MAC comparison as ebtables-nft writes it: a mask of leading 0xff bytes
// shortens the load, any other mask is applied with a bitwise and.
void macMatch(nft::ExprList& e, uint32_t offset, const std::pair<Mac, Mac>& value, bool negated)
{
    const auto& [addr, mask] = value;
    size_t full = 0;
    while (full < ETH_ALEN && mask[full] == 0xff)
        ++full;
    bool bitwise = false;
    for (size_t i = full; i < ETH_ALEN; ++i)
        bitwise = bitwise || mask[i] != 0;
    const size_t length = bitwise ? ETH_ALEN : full;
    if (length == 0)  // ebtables-nft loads zero bytes, which the kernel refuses
        unsupported("an all-zero MAC mask");
    const auto op = negated ? nft::CmpOp::Neq : nft::CmpOp::Eq;
    e.linkPayload(offset, static_cast<uint32_t>(length));
    if (bitwise)
        e.bitwiseAnd(std::string(reinterpret_cast<const char*>(mask.data()), length));
    e.cmp(op, std::string(reinterpret_cast<const char*>(addr.data()), length));
}

void interfaceMatch(nft::ExprList& e, uint32_t key, const std::string& name, bool negated)
{
    e.meta(key);
    e.cmp(negated ? nft::CmpOp::Neq : nft::CmpOp::Eq, std::string_view(name.c_str(), name.size() + 1));
}

} // namespace

EncodedEbRule encodeEbtablesRule(const std::vector<std::string>& args)
{
    Parser p(args);
    p.run();
    const Header& h = p.header;
    checkExtensionProtocol(h, p.ext);

    nft::ExprList e;
    if (h.source)
        macMatch(e, offsetof(ethhdr, h_source), *h.source, h.invSource);
    if (h.destination)
        macMatch(e, offsetof(ethhdr, h_dest), *h.destination, h.invDestination);
    if (!h.in.empty())
        interfaceMatch(e, NFT_META_IIFNAME, h.in, h.invIn);
    if (!h.out.empty())
        interfaceMatch(e, NFT_META_OIFNAME, h.out, h.invOut);
    if (h.proto) {
        const uint16_t be = htons(*h.proto);
        e.linkPayload(offsetof(ethhdr, h_proto), 2);
        e.cmp(h.invProto ? nft::CmpOp::Neq : nft::CmpOp::Eq, std::string(reinterpret_cast<const char*>(&be), 2));
    }
    const Extension& x = p.ext;
    switch (x.kind) {
    case Extension::Kind::None: break;
    case Extension::Kind::Ip: e.xtMatch(EBT_IP_MATCH, 0, infoBytes(x.ip)); break;
    case Extension::Kind::Ip6: e.xtMatch(EBT_IP6_MATCH, 0, infoBytes(x.ip6)); break;
    case Extension::Kind::Arp: e.xtMatch(EBT_ARP_MATCH, 0, infoBytes(x.arp)); break;
    case Extension::Kind::Vlan: e.xtMatch(EBT_VLAN_MATCH, 0, infoBytes(x.vlan)); break;
    case Extension::Kind::Stp: e.xtMatch(EBT_STP_MATCH, 0, infoBytes(x.stp)); break;
    }
    e.counter();
    if (p.verdict != nft::Verdict::Continue)
        e.verdict(p.verdict, p.jumpChain);

    EncodedEbRule out;
    out.expressions = e.bytes();
    out.compatProto = h.proto.value_or(0);
    out.compatInvert = h.invProto;
    return out;
}

std::string policyRuleExpressions()
{
    nft::ExprList e;
    e.counter();
    e.verdict(nft::Verdict::Accept);
    return e.bytes();
}

std::string policyRuleUserdata()
{
    // One TLV: type 1 (the ebtables policy), length 4, the verdict NF_ACCEPT
    // in host order.
    const uint32_t verdict = 1;
    std::string out = {'\x01', '\x04'};
    out.append(reinterpret_cast<const char*>(&verdict), sizeof verdict);
    return out;
}

} // namespace vnf::fw::ebip
