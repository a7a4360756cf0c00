// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/netaddr.hpp"

#include "util/random_bytes.hpp"
#include "util/strings.hpp"

#include <arpa/inet.h>

#include <cctype>

namespace vnf::conf {

std::optional<MacAddr> MacAddr::parse(std::string_view text)
{
    auto groups = util::split(text, ':');
    if (groups.size() != 6)
        return std::nullopt;
    MacAddr out;
    for (size_t i = 0; i < 6; ++i) {
        const auto& g = groups[i];
        if (g.empty() || g.size() > 2)
            return std::nullopt;
        for (char c : g)
            if (!std::isxdigit(static_cast<unsigned char>(c)))
                return std::nullopt;
        out.bytes[i] = static_cast<uint8_t>(std::stoul(g, nullptr, 16));
    }
    return out;
}

MacAddr MacAddr::generate()
{
    MacAddr out{{0x52, 0x54, 0x00, 0, 0, 0}};  // QEMU's prefix, as libvirt's
    util::randomBytes(std::span(out.bytes).subspan(3));
    return out;
}

std::string MacAddr::str() const
{
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < 6; ++i) {
        if (i)
            out += ':';
        out += kHex[bytes[i] >> 4];
        out += kHex[bytes[i] & 0x0f];
    }
    return out;
}

std::optional<std::string> canonicalIpv4(std::string_view text)
{
    std::string s(text);
    in_addr addr{};
    if (inet_pton(AF_INET, s.c_str(), &addr) != 1)
        return std::nullopt;
    char buf[INET_ADDRSTRLEN];
    return std::string(inet_ntop(AF_INET, &addr, buf, sizeof buf));
}

std::optional<std::string> canonicalIpv6(std::string_view text)
{
    std::string s(text);
    in6_addr addr{};
    if (inet_pton(AF_INET6, s.c_str(), &addr) != 1)
        return std::nullopt;
    char buf[INET6_ADDRSTRLEN];
    return std::string(inet_ntop(AF_INET6, &addr, buf, sizeof buf));
}

namespace {

// Number of leading one bits when the bytes form a contiguous mask.
std::optional<unsigned> contiguousPrefix(const uint8_t* bytes, size_t length)
{
    unsigned prefix = 0;
    bool zeroSeen = false;
    for (size_t i = 0; i < length; ++i) {
        for (int bit = 7; bit >= 0; --bit) {
            bool one = bytes[i] & (1u << bit);
            if (one && zeroSeen)
                return std::nullopt;
            if (one)
                ++prefix;
            else
                zeroSeen = true;
        }
    }
    return prefix;
}

std::optional<unsigned> maskPrefix(std::string_view text, int family, unsigned maxPrefix)
{
    if (auto n = util::parseUnsigned(text); n && !n->hex)
        return n->value <= maxPrefix ? std::optional<unsigned>(static_cast<unsigned>(n->value)) : std::nullopt;
    std::string s(text);
    uint8_t buf[16];
    if (inet_pton(family, s.c_str(), buf) != 1)
        return std::nullopt;
    return contiguousPrefix(buf, family == AF_INET ? 4 : 16);
}

} // namespace

std::optional<unsigned> ipv4MaskPrefix(std::string_view text)
{
    return maskPrefix(text, AF_INET, 32);
}

std::optional<unsigned> ipv6MaskPrefix(std::string_view text)
{
    return maskPrefix(text, AF_INET6, 128);
}

std::array<uint8_t, 16> addressBytes(std::string_view address, bool ipv6)
{
    std::array<uint8_t, 16> bytes{};
    if (inet_pton(ipv6 ? AF_INET6 : AF_INET, std::string(address).c_str(), bytes.data()) != 1)
        bytes.fill(0);
    return bytes;
}

bool sameSubnet(std::string_view a, std::string_view b, bool ipv6, unsigned prefix)
{
    const auto x = addressBytes(a, ipv6), y = addressBytes(b, ipv6);
    for (unsigned bit = 0; bit < prefix && bit < (ipv6 ? 128u : 32u); ++bit) {
        const uint8_t mask = static_cast<uint8_t>(0x80 >> (bit % 8));
        if ((x[bit / 8] & mask) != (y[bit / 8] & mask))
            return false;
    }
    return true;
}

} // namespace vnf::conf

namespace vnf::conf {

bool isValidInterfaceName(std::string_view name)
{
    if (name.empty() || name.size() > 15 || name == "." || name == "..")
        return false;
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-')
            return false;
    return true;
}

} // namespace vnf::conf
