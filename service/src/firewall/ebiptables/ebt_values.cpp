// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/ebiptables/ebt_values.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>

#include <charconv>

namespace vnf::fw::ebip::values {

namespace {

[[noreturn]] void unsupported(const std::string& why)
{
    throw UnsupportedRule(why);
}

} // namespace

// An unsigned number in `base`, at most `max`; a "0x" prefix is allowed in
// base 16, as strtol allows it.
uint32_t number(const std::string& text, int base, uint32_t max, const std::string& what)
{
    std::string_view digits = text;
    if (base == 16 && digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
        digits.remove_prefix(2);
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || value > max)
        unsupported(what + " '" + text + "'");
    return static_cast<uint32_t>(value);
}

// "lo[:hi]" with lo <= hi, both at most max.
std::array<uint32_t, 2> range(const std::string& text, uint32_t max, const std::string& what)
{
    const auto colon = text.find(':');
    if (colon == std::string::npos) {
        uint32_t v = number(text, 10, max, what);
        return {v, v};
    }
    uint32_t lo = number(text.substr(0, colon), 10, max, what);
    uint32_t hi = number(text.substr(colon + 1), 10, max, what);
    if (lo > hi)
        unsupported(what + " '" + text + "' (start above end)");
    return {lo, hi};
}

namespace {

Mac mac(const std::string& text, const std::string& what)
{
    Mac out{};
    size_t group = 0, at = 0;
    while (group < ETH_ALEN) {
        size_t end = text.find(':', at);
        if (end == std::string::npos)
            end = text.size();
        const std::string part = text.substr(at, end - at);
        if (part.empty() || part.size() > 2)
            unsupported(what + " '" + text + "'");
        out[group++] = static_cast<uint8_t>(number(part, 16, 0xff, what));
        if (end == text.size())
            break;
        at = end + 1;
    }
    if (group != ETH_ALEN || text.find(':', at) != std::string::npos)
        unsupported(what + " '" + text + "'");
    return out;
}

} // namespace

// "mac[/mask]"; the address is masked, as ebtables stores it.
std::pair<Mac, Mac> macWithMask(const std::string& text, const std::string& what)
{
    const auto slash = text.find('/');
    Mac addr = mac(text.substr(0, slash), what);
    Mac mask = slash == std::string::npos ? kAllOnesMac : mac(text.substr(slash + 1), what);
    for (size_t i = 0; i < ETH_ALEN; ++i)
        addr[i] &= mask[i];
    return {addr, mask};
}

// "a.b.c.d[/prefix|/mask]", network order, the address masked.
std::pair<uint32_t, uint32_t> ipv4WithMask(const std::string& text, const std::string& what)
{
    const auto slash = text.find('/');
    in_addr addr{}, mask{};
    if (inet_pton(AF_INET, text.substr(0, slash).c_str(), &addr) != 1)
        unsupported(what + " '" + text + "'");
    if (slash == std::string::npos) {
        mask.s_addr = 0xffffffff;
    } else {
        const std::string m = text.substr(slash + 1);
        if (m.find('.') != std::string::npos) {
            if (inet_pton(AF_INET, m.c_str(), &mask) != 1)
                unsupported(what + " '" + text + "'");
        } else {
            const uint32_t bits = number(m, 10, 32, what);
            mask.s_addr = bits == 0 ? 0 : htonl(~uint32_t{0} << (32 - bits));
        }
    }
    return {addr.s_addr & mask.s_addr, mask.s_addr};
}

// "addr[/prefix]", the address masked.
std::pair<in6_addr, in6_addr> ipv6WithMask(const std::string& text, const std::string& what)
{
    const auto slash = text.find('/');
    in6_addr addr{}, mask{};
    if (inet_pton(AF_INET6, text.substr(0, slash).c_str(), &addr) != 1)
        unsupported(what + " '" + text + "'");
    uint32_t bits = 128;
    if (slash != std::string::npos) {
        const std::string m = text.substr(slash + 1);
        if (m.find(':') != std::string::npos) {
            if (inet_pton(AF_INET6, m.c_str(), &mask) != 1)
                unsupported(what + " '" + text + "'");
            bits = 129;  // mask given in address form
        } else {
            bits = number(m, 10, 128, what);
        }
    }
    if (bits <= 128)
        for (uint32_t i = 0; i < 16; ++i) {
            const uint32_t left = bits > i * 8 ? bits - i * 8 : 0;
            mask.s6_addr[i] = left >= 8 ? 0xff : static_cast<uint8_t>(0xff00 >> left);
        }
    for (int i = 0; i < 16; ++i)
        addr.s6_addr[i] &= mask.s6_addr[i];
    return {addr, mask};
}

// The ethertype of -p: a hex number (0x0600 and above; below is an 802.3
// length, which needs -p LENGTH) or one of the names vnetfilter writes.
uint16_t ethertype(const std::string& text)
{
    if (text == "ipv4" || text == "IPv4")
        return ETH_P_IP;
    if (text == "ipv6" || text == "IPv6")
        return ETH_P_IPV6;
    if (text == "arp" || text == "ARP")
        return ETH_P_ARP;
    const uint32_t v = number(text, 16, 0xffff, "protocol");
    if (v < 0x0600)
        unsupported("protocol '" + text + "' below 0x0600");
    return static_cast<uint16_t>(v);
}

// --ip-protocol/--ip6-protocol: a number, or a name ebtables looks up in
// /etc/protocols. Only names whose numbers IANA fixed are taken here.
uint8_t ipProtocol(const std::string& text, const std::string& what)
{
    static const std::pair<const char*, uint8_t> kNames[] = {
        {"icmp", 1}, {"igmp", 2}, {"tcp", 6}, {"udp", 17}, {"esp", 50}, {"ah", 51},
        {"ipv6-icmp", 58}, {"sctp", 132}, {"udplite", 136}};
    for (const auto& [name, number] : kNames)
        if (text == name)
            return number;
    return static_cast<uint8_t>(number(text, 10, 0xff, what));
}

} // namespace vnf::fw::ebip::values
