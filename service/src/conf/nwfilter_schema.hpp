// SPDX-License-Identifier: GPL-2.0-or-later
// What a <rule> may contain: the protocol elements, the attributes each one
// accepts (in the order libvirt formats them), their value types, and the
// filter chain types with their default priorities. Pure data; parser,
// formatter and firewall renderers all read it from here.
#pragma once

#include "conf/values.hpp"

#include <optional>
#include <span>
#include <string_view>

namespace vnf::conf {

enum class Protocol {
    None,  // a rule without a protocol element: matches every frame
    Mac, Vlan, Stp, Arp, Rarp, Ip, Ipv6,
    Tcp, Udp, Udplite, Esp, Ah, Sctp, Icmp, Igmp, All,
    TcpIpv6, UdpIpv6, UdpliteIpv6, EspIpv6, AhIpv6, SctpIpv6, Icmpv6, AllIpv6,
};

// Which firewall layer a protocol's rules are written for.
enum class Layer { Ethernet, Ipv4, Ipv6 };

enum class AttrId {
    SrcMacAddr, SrcMacMask, DstMacAddr, DstMacMask,
    ProtocolId, VlanId, EncapProtocol,
    StpType, StpFlags, RootPriority, RootPriorityHi, RootAddress, RootAddressMask, RootCost, RootCostHi,
    SenderPriority, SenderPriorityHi, SenderAddress, SenderAddressMask, StpPort, StpPortHi, Age, AgeHi,
    MaxAge, MaxAgeHi, HelloTime, HelloTimeHi, ForwardDelay, ForwardDelayHi,
    HwType, ProtocolType, Opcode, ArpSrcMacAddr, ArpDstMacAddr, ArpSrcIpAddr, ArpSrcIpMask, ArpDstIpAddr,
    ArpDstIpMask, Gratuitous,
    SrcIpAddr, SrcIpMask, DstIpAddr, DstIpMask, SrcIpFrom, SrcIpTo, DstIpFrom, DstIpTo,
    IpProtocol, SrcPortStart, SrcPortEnd, DstPortStart, DstPortEnd, Dscp, ConnlimitAbove, State, Ipset, IpsetFlags,
    IcmpType, IcmpTypeEnd, IcmpCode, IcmpCodeEnd, TcpOption, TcpFlags,
    Comment,
};

struct AttrSpec {
    AttrId id;
    std::string_view name;  // XML attribute name
    ValueKind kind;
    bool allowsVariable;    // may the value be a $VARIABLE reference?
};

struct ProtocolSpec {
    Protocol protocol;
    std::string_view element;  // XML element name inside <rule>
    Layer layer;
    std::span<const AttrSpec> attributes;  // in canonical (format) order
};

const ProtocolSpec* protocolByElement(std::string_view element);
const ProtocolSpec& protocolSpec(Protocol protocol);  // not for Protocol::None
const AttrSpec* findAttribute(const ProtocolSpec& spec, AttrId id);
Layer layerOf(Protocol protocol);

// Attributes whose negation (match='no') follows another attribute's: a
// mask follows its address, a range end its start. libvirt applies this after
// parsing, and it shows in the formatted XML.
std::span<const std::pair<AttrId, AttrId>> negationFollowers();

// ---- chains -----------------------------------------------------------------

enum class ChainType { Root, Mac, Stp, Vlan, Arp, Rarp, Ipv4, Ipv6 };

inline constexpr int kMinPriority = -1000;
inline constexpr int kMaxPriority = 1000;
inline constexpr int kDefaultRulePriority = 500;
inline constexpr size_t kMaxChainNameLength = 12;

// The chain type of a valid chain name ("root", or a protocol prefix followed
// by up to (12 - prefix length) characters of [a-zA-Z0-9_.:-]); nullopt if
// the name is not valid.
std::optional<ChainType> chainTypeOf(std::string_view chain);

// libvirt's default chain priorities apply to the exact names stp -810, mac
// -800, vlan -750, ipv4 -700, ipv6 -600, arp -500, rarp -400; every other
// chain (root, "arp-xyz", ...) defaults to 0.
int defaultChainPriority(std::string_view chain);

} // namespace vnf::conf
