// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/values.hpp"

#include "conf/error.hpp"
#include "conf/netaddr.hpp"
#include "util/strings.hpp"

#include <array>
#include <cctype>
#include <utility>

namespace vnf::conf {

namespace {

struct Named {
    std::string_view name;
    uint64_t value;
};

constexpr std::array kEtherTypes{
    Named{"arp", 0x0806}, Named{"rarp", 0x8035}, Named{"ipv4", 0x0800}, Named{"ipv6", 0x86dd}, Named{"vlan", 0x8100},
};
constexpr std::array kIpProtocols{
    Named{"tcp", 6},    Named{"udp", 17},  Named{"udplite", 136}, Named{"esp", 50},    Named{"ah", 51},
    Named{"icmp", 1},   Named{"igmp", 2},  Named{"sctp", 132},    Named{"icmpv6", 58},
};
constexpr std::array kArpOpcodes{
    Named{"Request", 1},       Named{"Reply", 2},       Named{"Request_Reverse", 3},
    Named{"Reply_Reverse", 4}, Named{"DRARP_Request", 5}, Named{"DRARP_Reply", 6},
    Named{"DRARP_Error", 7},   Named{"InARP_Request", 8}, Named{"ARP_NAK", 9},
};
constexpr std::array kStateFlags{
    Named{"NEW", kStateNew}, Named{"ESTABLISHED", kStateEstablished}, Named{"RELATED", kStateRelated},
    Named{"INVALID", kStateInvalid},
};
// TCP header bits; listed in the order libvirt's documentation gives them.
constexpr std::array kTcpFlags{
    Named{"SYN", 0x02}, Named{"ACK", 0x10}, Named{"URG", 0x20}, Named{"PSH", 0x08}, Named{"FIN", 0x01}, Named{"RST", 0x04},
};
constexpr unsigned kTcpAll = 0x3f;
constexpr size_t kMaxCommentLength = 256;
constexpr size_t kMaxIpsetNameLength = 31;

template <size_t N>
const Named* byName(const std::array<Named, N>& table, std::string_view name)
{
    for (const auto& entry : table)
        if (util::iequals(entry.name, name))
            return &entry;
    return nullptr;
}

template <size_t N>
const Named* byValue(const std::array<Named, N>& table, uint64_t value)
{
    for (const auto& entry : table)
        if (entry.value == value)
            return &entry;
    return nullptr;
}

[[noreturn]] void invalid(ValueKind kind, std::string_view text)
{
    throw ValueError("'" + std::string(text) + "' is not " + describeKind(kind));
}

std::string numberText(uint64_t value, bool hex)
{
    return hex ? util::hex(value) : std::to_string(value);
}

Literal number(ValueKind kind, std::string_view text, uint64_t min, uint64_t max)
{
    auto parsed = util::parseUnsigned(text);
    if (!parsed || parsed->value < min || parsed->value > max)
        invalid(kind, text);
    return Literal{numberText(parsed->value, parsed->hex), parsed->value, parsed->hex};
}

// A number in range, or one of the names in `table`; known numbers are
// printed by name, as libvirt does ("17" becomes "udp").
template <size_t N>
Literal numberOrName(ValueKind kind, std::string_view text, const std::array<Named, N>& table, uint64_t min,
                     uint64_t max)
{
    if (const Named* named = byName(table, text))
        return Literal{std::string(named->name), named->value, false};
    Literal lit = number(kind, text, min, max);
    if (const Named* named = byValue(table, lit.number))
        lit.text = named->name;
    return lit;
}

Literal stateFlags(std::string_view text)
{
    std::string upper = util::toLower(text);
    for (auto& c : upper)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper == "NONE")
        return Literal{"NONE", 0, false};
    uint64_t bits = 0;
    for (const auto& part : util::split(upper, ',')) {
        const Named* flag = byName(kStateFlags, part);
        if (!flag)
            invalid(ValueKind::StateFlags, text);
        bits |= flag->value;
    }
    return Literal{stateFlagsText(bits), bits, false};
}

unsigned tcpFlagList(std::string_view list, std::string_view whole)
{
    // An empty list means no flags, as libvirt has always accepted ("PSH/").
    if (list.empty() || util::iequals(list, "NONE"))
        return 0;
    if (util::iequals(list, "ALL"))
        return kTcpAll;
    unsigned bits = 0;
    for (const auto& part : util::split(list, ',')) {
        const Named* flag = byName(kTcpFlags, part);
        if (!flag)
            invalid(ValueKind::TcpFlags, whole);
        bits |= static_cast<unsigned>(flag->value);
    }
    return bits;
}

Literal tcpFlags(std::string_view text)
{
    auto slash = text.find('/');
    if (slash == std::string_view::npos || text.find('/', slash + 1) != std::string_view::npos)
        invalid(ValueKind::TcpFlags, text);
    unsigned mask = tcpFlagList(text.substr(0, slash), text);
    unsigned flags = tcpFlagList(text.substr(slash + 1), text);
    return Literal{tcpFlagsText(mask) + "/" + tcpFlagsText(flags), (uint64_t{mask} << 8) | flags, false};
}

Literal ipsetName(std::string_view text)
{
    if (text.empty() || text.size() > kMaxIpsetNameLength)
        invalid(ValueKind::IpsetName, text);
    for (char c : text)
        if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view("_.:-+ ").find(c) == std::string_view::npos)
            invalid(ValueKind::IpsetName, text);
    return Literal{std::string(text), 0, false};
}

Literal ipsetFlags(std::string_view text)
{
    auto parts = util::split(text, ',');
    if (parts.empty() || parts.size() > 6)
        invalid(ValueKind::IpsetFlags, text);
    for (auto& part : parts) {
        part = util::toLower(part);
        if (part != "src" && part != "dst")
            invalid(ValueKind::IpsetFlags, text);
    }
    return Literal{util::join(parts, ","), 0, false};
}

Literal comment(std::string_view text)
{
    if (text.size() > kMaxCommentLength)
        throw ValueError("comment is " + std::to_string(text.size()) + " characters long; at most " +
                         std::to_string(kMaxCommentLength) + " are allowed");
    for (char c : text)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            throw ValueError("comment contains a control character");
    return Literal{std::string(text), 0, false};
}

} // namespace

Literal parseLiteral(ValueKind kind, std::string_view text)
{
    switch (kind) {
    case ValueKind::MacAddr: {
        auto mac = MacAddr::parse(text);
        if (!mac)
            invalid(kind, text);
        return Literal{mac->str(), 0, false};
    }
    case ValueKind::Ipv4Addr:
    case ValueKind::Ipv6Addr: {
        auto canonical = kind == ValueKind::Ipv4Addr ? canonicalIpv4(text) : canonicalIpv6(text);
        if (!canonical)
            invalid(kind, text);
        return Literal{*canonical, 0, false};
    }
    case ValueKind::Ipv4Mask:
    case ValueKind::Ipv6Mask: {
        auto prefix = kind == ValueKind::Ipv4Mask ? ipv4MaskPrefix(text) : ipv6MaskPrefix(text);
        if (!prefix)
            invalid(kind, text);
        return Literal{std::to_string(*prefix), *prefix, false};
    }
    case ValueKind::Uint8: return number(kind, text, 0, 0xff);
    case ValueKind::Uint16: return number(kind, text, 0, 0xffff);
    case ValueKind::Uint32: return number(kind, text, 0, 0xffffffff);
    case ValueKind::Dscp: return number(kind, text, 0, 63);
    case ValueKind::VlanId: return number(kind, text, 0, 4095);
    case ValueKind::EtherType: return numberOrName(kind, text, kEtherTypes, 0x600, 0xffff);
    case ValueKind::IpProtocol: return numberOrName(kind, text, kIpProtocols, 0, 0xff);
    case ValueKind::ArpOpcode: return numberOrName(kind, text, kArpOpcodes, 0, 0xffff);
    case ValueKind::Boolean: {
        if (text == "yes" || text == "true" || text == "1")
            return Literal{"true", 1, false};
        if (text == "no" || text == "false" || text == "0")
            return Literal{"false", 0, false};
        invalid(kind, text);
    }
    case ValueKind::StateFlags: return stateFlags(text);
    case ValueKind::TcpFlags: return tcpFlags(text);
    case ValueKind::IpsetName: return ipsetName(text);
    case ValueKind::IpsetFlags: return ipsetFlags(text);
    case ValueKind::Comment: return comment(text);
    }
    invalid(kind, text);
}

std::string describeKind(ValueKind kind)
{
    switch (kind) {
    case ValueKind::MacAddr: return "a MAC address (like 52:54:00:12:34:56)";
    case ValueKind::Ipv4Addr: return "an IPv4 address";
    case ValueKind::Ipv4Mask: return "an IPv4 netmask (prefix length 0-32 or a dotted contiguous mask)";
    case ValueKind::Ipv6Addr: return "an IPv6 address";
    case ValueKind::Ipv6Mask: return "an IPv6 netmask (prefix length 0-128 or a contiguous mask)";
    case ValueKind::Uint8: return "a number from 0 to 255 (decimal or 0x hex)";
    case ValueKind::Uint16: return "a number from 0 to 65535 (decimal or 0x hex)";
    case ValueKind::Uint32: return "a number from 0 to 4294967295 (decimal or 0x hex)";
    case ValueKind::Dscp: return "a DSCP value from 0 to 63";
    case ValueKind::VlanId: return "a VLAN id from 0 to 4095";
    case ValueKind::EtherType: return "an ethertype (arp, rarp, ipv4, ipv6, vlan, or a number from 0x600 to 0xffff)";
    case ValueKind::IpProtocol:
        return "an IP protocol (tcp, udp, udplite, esp, ah, icmp, igmp, sctp, icmpv6, or a number from 0 to 255)";
    case ValueKind::ArpOpcode:
        return "an ARP opcode (Request, Reply, Request_Reverse, Reply_Reverse, DRARP_Request, DRARP_Reply, "
               "DRARP_Error, InARP_Request, ARP_NAK, or a number from 0 to 65535)";
    case ValueKind::Boolean: return "a boolean (yes, no, true, false, 1, 0)";
    case ValueKind::StateFlags: return "connection states (NEW, ESTABLISHED, RELATED, INVALID, comma separated, or NONE)";
    case ValueKind::TcpFlags:
        return "TCP flags MASK/FLAGS (each SYN, ACK, URG, PSH, FIN, RST comma separated, or ALL, or NONE)";
    case ValueKind::IpsetName: return "an ipset name (1-31 of letters, digits, '_', '.', ':', '-', '+', ' ')";
    case ValueKind::IpsetFlags: return "ipset flags (one to six of src, dst, comma separated)";
    case ValueKind::Comment: return "a comment";
    }
    return "a value";
}

std::string stateFlagsText(uint64_t bits)
{
    if (bits == 0)
        return "NONE";
    std::vector<std::string> names;
    for (const auto& flag : kStateFlags)
        if (bits & flag.value)
            names.emplace_back(flag.name);
    return util::join(names, ",");
}

std::string tcpFlagsText(unsigned bits)
{
    if (bits == 0)
        return "NONE";
    if (bits == kTcpAll)
        return "ALL";
    std::vector<std::string> names;
    for (const auto& flag : kTcpFlags)
        if (bits & flag.value)
            names.emplace_back(flag.name);
    return util::join(names, ",");
}

} // namespace vnf::conf
