// SPDX-License-Identifier: GPL-2.0-or-later
// Addresses as they appear in definitions: parse, validate and print them in
// the canonical form libvirt uses (lowercase two-digit MACs, inet_ntop for IP).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vnf::conf {

struct MacAddr {
    std::array<uint8_t, 6> bytes{};
    // 1 or 2 hex digits per group, ':' separated (libvirt accepts "1:2:3:4:5:6").
    static std::optional<MacAddr> parse(std::string_view text);
    // A random address in QEMU/KVM's range, 52:54:00:xx:xx:xx, as libvirt
    // gives a network's bridge that has none.
    static MacAddr generate();
    std::string str() const;
    bool isMulticast() const { return bytes[0] & 0x01; }
    bool operator==(const MacAddr&) const = default;
};

// Canonical text of an IPv4/IPv6 address, or nullopt when it is not one.
std::optional<std::string> canonicalIpv4(std::string_view text);
std::optional<std::string> canonicalIpv6(std::string_view text);

// A netmask written as a prefix length or in address form ("255.255.0.0",
// "ffff:ffff::"): the prefix length, or nullopt when malformed, out of range
// or not contiguous.
std::optional<unsigned> ipv4MaskPrefix(std::string_view text);
std::optional<unsigned> ipv6MaskPrefix(std::string_view text);

// An address's bytes in network order (IPv4 in the first four), all zero
// when the text is not an address of that family. Comparing two of them
// orders addresses of one family.
std::array<uint8_t, 16> addressBytes(std::string_view address, bool ipv6);

// Whether two addresses of a family agree in their first `prefix` bits:
// the same subnet of that length.
bool sameSubnet(std::string_view a, std::string_view b, bool ipv6, unsigned prefix);

} // namespace vnf::conf

namespace vnf::conf {

// A Linux network interface name that is also safe inside firewall chain
// names and commands: 1-15 characters of letters, digits, '_', '.', '-'
// (no '+', which iptables reads as a wildcard), and not "." or "..".
bool isValidInterfaceName(std::string_view name);

} // namespace vnf::conf
