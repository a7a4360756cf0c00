// SPDX-License-Identifier: GPL-2.0-or-later
// The values of ebtables options as ebtables parses them - numbers in the
// base each option uses, ranges, MAC and IP addresses with their masks,
// ethertypes, protocol names - for the netlink writer's encoder. Pure. A
// value ebtables would read differently, or refuse, is an UnsupportedRule.
#pragma once

#include "firewall/ebiptables/ebt_encode.hpp"

#include <netinet/in.h>

#include <array>
#include <cstdint>
#include <string>
#include <utility>

namespace vnf::fw::ebip::values {

using Mac = std::array<uint8_t, 6>;
inline constexpr Mac kAllOnesMac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

// An unsigned number in `base`, at most `max`; a "0x" prefix is allowed in
// base 16, as strtol allows it. `what` names the option in errors.
uint32_t number(const std::string& text, int base, uint32_t max, const std::string& what);
// "lo[:hi]" with lo <= hi, both at most max (decimal).
std::array<uint32_t, 2> range(const std::string& text, uint32_t max, const std::string& what);
// "mac[/mask]"; the address is masked, as ebtables stores it.
std::pair<Mac, Mac> macWithMask(const std::string& text, const std::string& what);
// "a.b.c.d[/prefix|/mask]", network order, the address masked.
std::pair<uint32_t, uint32_t> ipv4WithMask(const std::string& text, const std::string& what);
// "addr[/prefix|/mask]", the address masked.
std::pair<in6_addr, in6_addr> ipv6WithMask(const std::string& text, const std::string& what);
// -p: a hex number from 0x0600 (below is an 802.3 length) or ipv4/ipv6/arp.
uint16_t ethertype(const std::string& text);
// --ip-protocol/--ip6-protocol: a number or one of the IANA-fixed names.
uint8_t ipProtocol(const std::string& text, const std::string& what);

} // namespace vnf::fw::ebip::values
