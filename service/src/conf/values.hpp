// SPDX-License-Identifier: GPL-2.0-or-later
// The types of attribute values in nwfilter rules, and literals of those
// types: parsed, range-checked, and kept in canonical (libvirt-format) text.
// The same parser checks literal values in XML and the values variables take
// at instantiation time, so nothing unchecked ever reaches a firewall command.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vnf::conf {

enum class ValueKind {
    MacAddr,     // 01:02:03:04:05:06 (also used for MAC masks)
    Ipv4Addr,
    Ipv4Mask,    // prefix length 0-32 or dotted contiguous mask
    Ipv6Addr,
    Ipv6Mask,    // prefix length 0-128 or address-form contiguous mask
    Uint8,
    Uint16,
    Uint32,
    Dscp,        // 0-63
    VlanId,      // 0-4095
    EtherType,   // 0x600-0xffff or arp, rarp, ipv4, ipv6, vlan
    IpProtocol,  // 0-255 or tcp, udp, udplite, esp, ah, icmp, igmp, sctp, icmpv6
    ArpOpcode,   // 0-65535 or Request, Reply, ...
    Boolean,     // yes/no/true/false/1/0
    StateFlags,  // NEW,ESTABLISHED,RELATED,INVALID or NONE
    TcpFlags,    // MASK/FLAGS, each a list of SYN,ACK,URG,PSH,FIN,RST or ALL or NONE
    IpsetName,
    IpsetFlags,  // up to six of src/dst
    Comment,     // up to 256 printable characters
};

// A checked value. `text` is the canonical text used when formatting XML;
// `number` carries the numeric meaning where there is one (the number itself,
// a mask's prefix length, an ethertype, a boolean, flag bits; for TcpFlags
// mask << 8 | flags).
struct Literal {
    std::string text;
    uint64_t number = 0;
    bool hex = false;  // written in hex in the input; kept hex when formatted

    bool operator==(const Literal&) const = default;
};

// Throws ValueError with a message that names the expected type.
Literal parseLiteral(ValueKind kind, std::string_view text);

// "a MAC address", "a number from 0 to 255", ... for error messages.
std::string describeKind(ValueKind kind);

// Bits of StateFlags literals.
inline constexpr uint64_t kStateNew = 1, kStateEstablished = 2, kStateRelated = 4, kStateInvalid = 8;

// "NEW,ESTABLISHED" style text of state bits ("NONE" for 0).
std::string stateFlagsText(uint64_t bits);
// "SYN,ACK" style text of TCP flag bits ("ALL", "NONE").
std::string tcpFlagsText(unsigned bits);

} // namespace vnf::conf
