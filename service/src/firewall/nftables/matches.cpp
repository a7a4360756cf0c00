// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/nftables/matches.hpp"

#include "firewall/backend.hpp"
#include "firewall/nftables/layout.hpp"

#include <arpa/inet.h>
#include <linux/netfilter/nf_tables.h>

#include <cstdio>

namespace vnf::fw::nft::build {

std::string be(uint64_t value, size_t bytes)
{
    std::string out(bytes, '\0');
    for (size_t i = 0; i < bytes; ++i)
        out[bytes - 1 - i] = static_cast<char>((value >> (8 * i)) & 0xff);
    return out;
}

std::string hostU32(uint32_t value)
{
    return std::string(reinterpret_cast<const char*>(&value), sizeof value);
}

std::string hexText(uint64_t value, int digits)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%0*llx", digits, static_cast<unsigned long long>(value));
    return buf;
}

std::string macBytes(const std::string& text)
{
    auto mac = conf::MacAddr::parse(text);
    if (!mac)
        throw BackendError("not a MAC address: '" + text + "'");
    return std::string(mac->bytes.begin(), mac->bytes.end());
}

std::string ipBytes(const std::string& text, bool ipv6)
{
    unsigned char buf[16];
    if (inet_pton(ipv6 ? AF_INET6 : AF_INET, text.c_str(), buf) != 1)
        throw BackendError(std::string("not an ") + (ipv6 ? "IPv6" : "IPv4") + " address: '" + text + "'");
    return std::string(reinterpret_cast<const char*>(buf), ipv6 ? 16 : 4);
}

std::string prefixMask(uint64_t prefix, size_t bytes)
{
    std::string out(bytes, '\0');
    for (size_t i = 0; i < bytes * 8 && i < prefix; ++i)
        out[i / 8] = static_cast<char>(out[i / 8] | (0x80 >> (i % 8)));
    return out;
}

std::string maskedText(const std::string& value, const std::string& mask, bool ipv6)
{
    std::string masked = value;
    for (size_t i = 0; i < masked.size(); ++i)
        masked[i] = static_cast<char>(masked[i] & mask[i]);
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(ipv6 ? AF_INET6 : AF_INET, masked.data(), buf, sizeof buf);
    return buf;
}

std::string ipText(const std::string& bytes, bool ipv6)
{
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(ipv6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
    return buf;
}

std::string macText(const std::string& bytes)
{
    char buf[18];
    const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
    return buf;
}

bool allOnes(const std::string& mask)
{
    for (char c : mask)
        if (static_cast<unsigned char>(c) != 0xff)
            return false;
    return true;
}

Field payload(Base base, uint32_t offset, uint32_t length, std::string text)
{
    Field f;
    f.kind = Field::Kind::Payload;
    f.base = base;
    f.offset = offset;
    f.length = length;
    f.text = std::move(text);
    return f;
}

Field raw(Base base, uint32_t offset, uint32_t length)
{
    const char* name = base == Base::Link ? "ll" : base == Base::Network ? "nh" : "th";
    return payload(base, offset, length,
                   "@" + std::string(name) + "," + std::to_string(offset * 8) + "," + std::to_string(length * 8));
}

namespace {

// A meta or conntrack key: loaded whole, `length` bytes.
Field keyField(Field::Kind kind, uint32_t key, uint32_t length, std::string text)
{
    Field f;
    f.kind = kind;
    f.key = key;
    f.length2 = length;
    f.text = std::move(text);
    return f;
}

} // namespace

Field metaField(uint32_t key, uint32_t length, std::string text)
{
    return keyField(Field::Kind::Meta, key, length, std::move(text));
}

Field ctField(uint32_t key, uint32_t length, std::string text)
{
    return keyField(Field::Kind::Ct, key, length, std::move(text));
}

const Field kEtherSaddr = payload(Base::Link, 6, 6, "ether saddr");
const Field kEtherDaddr = payload(Base::Link, 0, 6, "ether daddr");
const Field kEtherType = payload(Base::Link, 12, 2, "ether type");
const Field kL4proto = metaField(NFT_META_L4PROTO, 1, "meta l4proto");

Match value(Field field, std::string bytes, std::string text, bool negated)
{
    Match m;
    m.kind = Match::Kind::Value;
    m.field = std::move(field);
    m.value = std::move(bytes);
    m.valueText = std::move(text);
    m.negated = negated;
    return m;
}

Match number(Field field, uint64_t n, bool negated, bool hex)
{
    const uint32_t length = field.kind == Field::Kind::Payload ? field.length : field.length2;
    std::string text = hex ? hexText(n, static_cast<int>(length * 2)) : std::to_string(n);
    return value(std::move(field), be(n, length), std::move(text), negated);
}

Match range(Field field, uint64_t lo, uint64_t hi, bool negated)
{
    if (lo == hi)
        return number(std::move(field), lo, negated);
    Match m = number(field, lo, negated);
    m.kind = Match::Kind::Range;
    m.high = be(hi, field.length);
    m.highText = std::to_string(hi);
    return m;
}

Field ipField(bool ipv6, bool source)
{
    if (ipv6)
        return payload(Base::Network, source ? 8 : 24, 16, source ? "ip6 saddr" : "ip6 daddr");
    return payload(Base::Network, source ? 12 : 16, 4, source ? "ip saddr" : "ip daddr");
}

Field portField(bool source)
{
    return payload(Base::Transport, source ? 0 : 2, 2, source ? "th sport" : "th dport");
}

Match Builder::address(const Field& field, const std::string& bytes, const std::string& mask, DataType type,
                   bool negated, bool output, std::optional<conf::AttrId> attr)
{
    if (mask.empty() || allOnes(mask)) {
        if (sources_ && attr)
            sources_->push_back({rule_, *attr});
        Match m;
        m.kind = Match::Kind::Slot;
        m.field = field;
        m.negated = negated;
        m.keyedByOutput = output;
        shape_.slots.push_back({type, static_cast<uint32_t>(bytes.size()), field.text});
        m.set = slotSetName(shape_.slots.size() - 1, shape_.slots.back());
        values_.push_back(bytes);
        return m;
    }
    Match m;
    m.kind = Match::Kind::Value;
    m.field = field;
    m.negated = negated;
    m.mask = mask;
    m.value = bytes;
    for (size_t i = 0; i < m.value.size(); ++i)
        m.value[i] = static_cast<char>(m.value[i] & mask[i]);
    if (type == DataType::Ether) {
        m.valueText = macText(m.value);
        m.maskText = macText(mask);
    } else {
        const bool ipv6 = type == DataType::Ipv6;
        m.valueText = maskedText(bytes, mask, ipv6);
        m.maskText = ipText(mask, ipv6);
    }
    return m;
}

} // namespace vnf::fw::nft::build
