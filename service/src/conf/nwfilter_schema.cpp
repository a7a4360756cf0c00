// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/nwfilter_schema.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>
#include <utility>

namespace vnf::conf {

namespace {

using K = ValueKind;
using A = AttrId;

constexpr AttrSpec kComment{A::Comment, "comment", K::Comment, false};

// Attribute lists are spelled out per protocol, because their order is the
// order in which libvirt formats them and that order differs between groups.

constexpr std::array kMacAttrs{
    AttrSpec{A::SrcMacAddr, "srcmacaddr", K::MacAddr, true}, AttrSpec{A::SrcMacMask, "srcmacmask", K::MacAddr, true},
    AttrSpec{A::DstMacAddr, "dstmacaddr", K::MacAddr, true}, AttrSpec{A::DstMacMask, "dstmacmask", K::MacAddr, true},
    AttrSpec{A::ProtocolId, "protocolid", K::EtherType, true}, kComment,
};

constexpr std::array kVlanAttrs{
    AttrSpec{A::SrcMacAddr, "srcmacaddr", K::MacAddr, true}, AttrSpec{A::SrcMacMask, "srcmacmask", K::MacAddr, true},
    AttrSpec{A::DstMacAddr, "dstmacaddr", K::MacAddr, true}, AttrSpec{A::DstMacMask, "dstmacmask", K::MacAddr, true},
    AttrSpec{A::VlanId, "vlanid", K::VlanId, true}, AttrSpec{A::EncapProtocol, "encap-protocol", K::EtherType, true},
    kComment,
};

constexpr std::array kStpAttrs{
    AttrSpec{A::SrcMacAddr, "srcmacaddr", K::MacAddr, true},
    AttrSpec{A::SrcMacMask, "srcmacmask", K::MacAddr, true},
    AttrSpec{A::StpType, "type", K::Uint8, true},
    AttrSpec{A::StpFlags, "flags", K::Uint8, true},
    AttrSpec{A::RootPriority, "root-priority", K::Uint16, true},
    AttrSpec{A::RootPriorityHi, "root-priority-hi", K::Uint16, true},
    AttrSpec{A::RootAddress, "root-address", K::MacAddr, true},
    AttrSpec{A::RootAddressMask, "root-address-mask", K::MacAddr, true},
    AttrSpec{A::RootCost, "root-cost", K::Uint32, true},
    AttrSpec{A::RootCostHi, "root-cost-hi", K::Uint32, true},
    AttrSpec{A::SenderPriority, "sender-priority", K::Uint16, true},
    AttrSpec{A::SenderPriorityHi, "sender-priority-hi", K::Uint16, true},
    AttrSpec{A::SenderAddress, "sender-address", K::MacAddr, true},
    AttrSpec{A::SenderAddressMask, "sender-address-mask", K::MacAddr, true},
    AttrSpec{A::StpPort, "port", K::Uint16, true},
    AttrSpec{A::StpPortHi, "port-hi", K::Uint16, true},
    AttrSpec{A::Age, "age", K::Uint16, true},
    AttrSpec{A::AgeHi, "age-hi", K::Uint16, true},
    AttrSpec{A::MaxAge, "max-age", K::Uint16, true},
    AttrSpec{A::MaxAgeHi, "max-age-hi", K::Uint16, true},
    AttrSpec{A::HelloTime, "hello-time", K::Uint16, true},
    AttrSpec{A::HelloTimeHi, "hello-time-hi", K::Uint16, true},
    AttrSpec{A::ForwardDelay, "forward-delay", K::Uint16, true},
    AttrSpec{A::ForwardDelayHi, "forward-delay-hi", K::Uint16, true},
    kComment,
};

constexpr std::array kArpAttrs{
    AttrSpec{A::SrcMacAddr, "srcmacaddr", K::MacAddr, true},
    AttrSpec{A::SrcMacMask, "srcmacmask", K::MacAddr, true},
    AttrSpec{A::DstMacAddr, "dstmacaddr", K::MacAddr, true},
    AttrSpec{A::DstMacMask, "dstmacmask", K::MacAddr, true},
    AttrSpec{A::HwType, "hwtype", K::Uint16, true},
    AttrSpec{A::ProtocolType, "protocoltype", K::Uint16, true},
    AttrSpec{A::Opcode, "opcode", K::ArpOpcode, true},
    AttrSpec{A::ArpSrcMacAddr, "arpsrcmacaddr", K::MacAddr, true},
    AttrSpec{A::ArpDstMacAddr, "arpdstmacaddr", K::MacAddr, true},
    AttrSpec{A::ArpSrcIpAddr, "arpsrcipaddr", K::Ipv4Addr, true},
    AttrSpec{A::ArpSrcIpMask, "arpsrcipmask", K::Ipv4Mask, true},
    AttrSpec{A::ArpDstIpAddr, "arpdstipaddr", K::Ipv4Addr, true},
    AttrSpec{A::ArpDstIpMask, "arpdstipmask", K::Ipv4Mask, true},
    AttrSpec{A::Gratuitous, "gratuitous", K::Boolean, false},
    kComment,
};

constexpr std::array kIpAttrs{
    AttrSpec{A::SrcMacAddr, "srcmacaddr", K::MacAddr, true},
    AttrSpec{A::SrcMacMask, "srcmacmask", K::MacAddr, true},
    AttrSpec{A::DstMacAddr, "dstmacaddr", K::MacAddr, true},
    AttrSpec{A::DstMacMask, "dstmacmask", K::MacAddr, true},
    AttrSpec{A::SrcIpAddr, "srcipaddr", K::Ipv4Addr, true},
    AttrSpec{A::SrcIpMask, "srcipmask", K::Ipv4Mask, true},
    AttrSpec{A::DstIpAddr, "dstipaddr", K::Ipv4Addr, true},
    AttrSpec{A::DstIpMask, "dstipmask", K::Ipv4Mask, true},
    AttrSpec{A::IpProtocol, "protocol", K::IpProtocol, true},
    AttrSpec{A::SrcPortStart, "srcportstart", K::Uint16, true},
    AttrSpec{A::SrcPortEnd, "srcportend", K::Uint16, true},
    AttrSpec{A::DstPortStart, "dstportstart", K::Uint16, true},
    AttrSpec{A::DstPortEnd, "dstportend", K::Uint16, true},
    AttrSpec{A::Dscp, "dscp", K::Dscp, true},
    kComment,
};

constexpr std::array kIpv6Attrs{
    AttrSpec{A::SrcMacAddr, "srcmacaddr", K::MacAddr, true},
    AttrSpec{A::SrcMacMask, "srcmacmask", K::MacAddr, true},
    AttrSpec{A::DstMacAddr, "dstmacaddr", K::MacAddr, true},
    AttrSpec{A::DstMacMask, "dstmacmask", K::MacAddr, true},
    AttrSpec{A::SrcIpAddr, "srcipaddr", K::Ipv6Addr, true},
    AttrSpec{A::SrcIpMask, "srcipmask", K::Ipv6Mask, true},
    AttrSpec{A::DstIpAddr, "dstipaddr", K::Ipv6Addr, true},
    AttrSpec{A::DstIpMask, "dstipmask", K::Ipv6Mask, true},
    AttrSpec{A::IpProtocol, "protocol", K::IpProtocol, true},
    AttrSpec{A::SrcPortStart, "srcportstart", K::Uint16, true},
    AttrSpec{A::SrcPortEnd, "srcportend", K::Uint16, true},
    AttrSpec{A::DstPortStart, "dstportstart", K::Uint16, true},
    AttrSpec{A::DstPortEnd, "dstportend", K::Uint16, true},
    AttrSpec{A::IcmpType, "type", K::Uint8, true},
    AttrSpec{A::IcmpTypeEnd, "typeend", K::Uint8, true},
    AttrSpec{A::IcmpCode, "code", K::Uint8, true},
    AttrSpec{A::IcmpCodeEnd, "codeend", K::Uint8, true},
    kComment,
};

template <typename T, size_t... N>
constexpr auto concat(const std::array<T, N>&... parts)
{
    std::array<T, (N + ...)> out{};
    size_t at = 0;
    ((std::copy(parts.begin(), parts.end(), out.begin() + static_cast<std::ptrdiff_t>(at)), at += N), ...);
    return out;
}

// The layer-3/4 protocols share this head: source MAC, addresses, ranges,
// DSCP, connection limit, state and ipset.
constexpr auto l34Head(ValueKind addr, ValueKind mask)
{
    return std::array{
        AttrSpec{A::SrcMacAddr, "srcmacaddr", K::MacAddr, true},
        AttrSpec{A::SrcIpAddr, "srcipaddr", addr, true},
        AttrSpec{A::SrcIpMask, "srcipmask", mask, true},
        AttrSpec{A::DstIpAddr, "dstipaddr", addr, true},
        AttrSpec{A::DstIpMask, "dstipmask", mask, true},
        AttrSpec{A::SrcIpFrom, "srcipfrom", addr, true},
        AttrSpec{A::SrcIpTo, "srcipto", addr, true},
        AttrSpec{A::DstIpFrom, "dstipfrom", addr, true},
        AttrSpec{A::DstIpTo, "dstipto", addr, true},
        AttrSpec{A::Dscp, "dscp", K::Dscp, true},
        AttrSpec{A::ConnlimitAbove, "connlimit-above", K::Uint16, true},
        AttrSpec{A::State, "state", K::StateFlags, false},
        AttrSpec{A::Ipset, "ipset", K::IpsetName, true},
        AttrSpec{A::IpsetFlags, "ipsetflags", K::IpsetFlags, false},
    };
}
constexpr auto kV4Head = l34Head(K::Ipv4Addr, K::Ipv4Mask);
constexpr auto kV6Head = l34Head(K::Ipv6Addr, K::Ipv6Mask);

constexpr std::array kPorts{
    AttrSpec{A::SrcPortStart, "srcportstart", K::Uint16, true},
    AttrSpec{A::SrcPortEnd, "srcportend", K::Uint16, true},
    AttrSpec{A::DstPortStart, "dstportstart", K::Uint16, true},
    AttrSpec{A::DstPortEnd, "dstportend", K::Uint16, true},
};
constexpr std::array kTcpTail{
    AttrSpec{A::TcpOption, "option", K::Uint8, true},
    AttrSpec{A::TcpFlags, "flags", K::TcpFlags, false},
    kComment,
};
constexpr std::array kIcmpTail{
    AttrSpec{A::IcmpType, "type", K::Uint8, true},
    AttrSpec{A::IcmpCode, "code", K::Uint8, true},
    kComment,
};
constexpr std::array kCommentOnly{kComment};

constexpr auto kTcpAttrs = concat(kV4Head, kPorts, kTcpTail);
constexpr auto kUdpAttrs = concat(kV4Head, kPorts, kCommentOnly);
constexpr auto kIcmpAttrs = concat(kV4Head, kIcmpTail);
constexpr auto kPlainL34Attrs = concat(kV4Head, kCommentOnly);
constexpr auto kTcp6Attrs = concat(kV6Head, kPorts, kTcpTail);
constexpr auto kUdp6Attrs = concat(kV6Head, kPorts, kCommentOnly);
constexpr auto kIcmp6Attrs = concat(kV6Head, kIcmpTail);
constexpr auto kPlainL34v6Attrs = concat(kV6Head, kCommentOnly);

constexpr std::array kProtocols{
    ProtocolSpec{Protocol::Mac, "mac", Layer::Ethernet, kMacAttrs},
    ProtocolSpec{Protocol::Vlan, "vlan", Layer::Ethernet, kVlanAttrs},
    ProtocolSpec{Protocol::Stp, "stp", Layer::Ethernet, kStpAttrs},
    ProtocolSpec{Protocol::Arp, "arp", Layer::Ethernet, kArpAttrs},
    ProtocolSpec{Protocol::Rarp, "rarp", Layer::Ethernet, kArpAttrs},
    ProtocolSpec{Protocol::Ip, "ip", Layer::Ethernet, kIpAttrs},
    ProtocolSpec{Protocol::Ipv6, "ipv6", Layer::Ethernet, kIpv6Attrs},
    ProtocolSpec{Protocol::Tcp, "tcp", Layer::Ipv4, kTcpAttrs},
    ProtocolSpec{Protocol::Udp, "udp", Layer::Ipv4, kUdpAttrs},
    ProtocolSpec{Protocol::Udplite, "udplite", Layer::Ipv4, kPlainL34Attrs},
    ProtocolSpec{Protocol::Esp, "esp", Layer::Ipv4, kPlainL34Attrs},
    ProtocolSpec{Protocol::Ah, "ah", Layer::Ipv4, kPlainL34Attrs},
    ProtocolSpec{Protocol::Sctp, "sctp", Layer::Ipv4, kUdpAttrs},
    ProtocolSpec{Protocol::Icmp, "icmp", Layer::Ipv4, kIcmpAttrs},
    ProtocolSpec{Protocol::Igmp, "igmp", Layer::Ipv4, kPlainL34Attrs},
    ProtocolSpec{Protocol::All, "all", Layer::Ipv4, kPlainL34Attrs},
    ProtocolSpec{Protocol::TcpIpv6, "tcp-ipv6", Layer::Ipv6, kTcp6Attrs},
    ProtocolSpec{Protocol::UdpIpv6, "udp-ipv6", Layer::Ipv6, kUdp6Attrs},
    ProtocolSpec{Protocol::UdpliteIpv6, "udplite-ipv6", Layer::Ipv6, kPlainL34v6Attrs},
    ProtocolSpec{Protocol::EspIpv6, "esp-ipv6", Layer::Ipv6, kPlainL34v6Attrs},
    ProtocolSpec{Protocol::AhIpv6, "ah-ipv6", Layer::Ipv6, kPlainL34v6Attrs},
    ProtocolSpec{Protocol::SctpIpv6, "sctp-ipv6", Layer::Ipv6, kUdp6Attrs},
    ProtocolSpec{Protocol::Icmpv6, "icmpv6", Layer::Ipv6, kIcmp6Attrs},
    ProtocolSpec{Protocol::AllIpv6, "all-ipv6", Layer::Ipv6, kPlainL34v6Attrs},
};

constexpr std::array kNegationFollowers{
    std::pair{A::SrcMacMask, A::SrcMacAddr},       std::pair{A::DstMacMask, A::DstMacAddr},
    std::pair{A::SrcIpMask, A::SrcIpAddr},         std::pair{A::DstIpMask, A::DstIpAddr},
    std::pair{A::SrcIpTo, A::SrcIpFrom},           std::pair{A::DstIpTo, A::DstIpFrom},
    std::pair{A::ArpSrcIpMask, A::ArpSrcIpAddr},   std::pair{A::ArpDstIpMask, A::ArpDstIpAddr},
    std::pair{A::SrcPortEnd, A::SrcPortStart},     std::pair{A::DstPortStart, A::SrcPortStart},
    std::pair{A::DstPortEnd, A::DstPortStart},     std::pair{A::IcmpTypeEnd, A::IcmpType},
    std::pair{A::IcmpCodeEnd, A::IcmpCode},        std::pair{A::RootPriorityHi, A::RootPriority},
    std::pair{A::RootAddressMask, A::RootAddress}, std::pair{A::RootCostHi, A::RootCost},
    std::pair{A::SenderPriorityHi, A::SenderPriority}, std::pair{A::SenderAddressMask, A::SenderAddress},
    std::pair{A::StpPortHi, A::StpPort},           std::pair{A::AgeHi, A::Age},
    std::pair{A::MaxAgeHi, A::MaxAge},             std::pair{A::HelloTimeHi, A::HelloTime},
    std::pair{A::ForwardDelayHi, A::ForwardDelay},
};

struct ChainPrefix {
    std::string_view prefix;
    ChainType type;
    int defaultPriority;
};
constexpr std::array kChainPrefixes{
    ChainPrefix{"stp", ChainType::Stp, -810},   ChainPrefix{"mac", ChainType::Mac, -800},
    ChainPrefix{"vlan", ChainType::Vlan, -750}, ChainPrefix{"ipv4", ChainType::Ipv4, -700},
    ChainPrefix{"ipv6", ChainType::Ipv6, -600}, ChainPrefix{"arp", ChainType::Arp, -500},
    ChainPrefix{"rarp", ChainType::Rarp, -400},
};

} // namespace

const ProtocolSpec* protocolByElement(std::string_view element)
{
    for (const auto& spec : kProtocols)
        if (spec.element == element)
            return &spec;
    return nullptr;
}

const ProtocolSpec& protocolSpec(Protocol protocol)
{
    for (const auto& spec : kProtocols)
        if (spec.protocol == protocol)
            return spec;
    throw std::logic_error("protocolSpec: no specification for this protocol");
}

const AttrSpec* findAttribute(const ProtocolSpec& spec, AttrId id)
{
    for (const auto& attr : spec.attributes)
        if (attr.id == id)
            return &attr;
    return nullptr;
}

Layer layerOf(Protocol protocol)
{
    return protocol == Protocol::None ? Layer::Ethernet : protocolSpec(protocol).layer;
}

std::span<const std::pair<AttrId, AttrId>> negationFollowers()
{
    return kNegationFollowers;
}

std::optional<ChainType> chainTypeOf(std::string_view chain)
{
    if (chain == "root")
        return ChainType::Root;
    if (chain.size() > kMaxChainNameLength)
        return std::nullopt;
    for (char c : chain)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != ':' && c != '-')
            return std::nullopt;
    for (const auto& p : kChainPrefixes)
        if (chain.substr(0, p.prefix.size()) == p.prefix)
            return p.type;
    return std::nullopt;
}

int defaultChainPriority(std::string_view chain)
{
    for (const auto& p : kChainPrefixes)
        if (chain == p.prefix)
            return p.defaultPriority;
    return 0;
}

} // namespace vnf::conf
