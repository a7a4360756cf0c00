// SPDX-License-Identifier: GPL-2.0-or-later
// Ports bound to the same filter share its layout: the cache key, the
// check that two ports' rules differ only in their slots' values, and the
// values read straight from a port's rules (layout.hpp).
#include "firewall/nftables/layout.hpp"

#include "firewall/nftables/matches.hpp"

#include <algorithm>

namespace vnf::fw::nft {

using conf::AttrId;
using engine::ResolvedAttr;
using engine::RuleInstance;

namespace {

bool isAddress(AttrId id)
{
    switch (id) {
    case AttrId::SrcMacAddr: case AttrId::DstMacAddr: case AttrId::RootAddress: case AttrId::SenderAddress:
    case AttrId::ArpSrcMacAddr: case AttrId::ArpDstMacAddr: case AttrId::ArpSrcIpAddr: case AttrId::ArpDstIpAddr:
    case AttrId::SrcIpAddr: case AttrId::DstIpAddr:
        return true;
    default:
        return false;
    }
}

void mix(uint64_t& hash, std::string_view bytes)
{
    for (unsigned char c : bytes) {
        hash ^= c;
        hash *= 0x100000001b3ULL;
    }
    hash ^= 0xff;
    hash *= 0x100000001b3ULL;
}

void mix(uint64_t& hash, uint64_t value)
{
    mix(hash, std::string_view(reinterpret_cast<const char*>(&value), sizeof value));
}

} // namespace

uint64_t hashApartFromAddresses(const std::vector<RuleInstance>& rules)
{
    uint64_t hash = 0xcbf29ce484222325ULL;
    mix(hash, rules.size());
    for (const auto& rule : rules) {
        mix(hash, (static_cast<uint64_t>(rule.action) << 40) | (static_cast<uint64_t>(rule.direction) << 32) |
                      (static_cast<uint64_t>(rule.protocol) << 8) | (rule.statematch ? 1 : 0));
        mix(hash, static_cast<uint64_t>(static_cast<int64_t>(rule.priority)));
        mix(hash, rule.chain);
        mix(hash, rule.origin);
        for (const auto& attr : rule.attrs) {
            mix(hash, (static_cast<uint64_t>(attr.id) << 1) | (attr.negated ? 1 : 0));
            if (!isAddress(attr.id))
                mix(hash, attr.value.text);
        }
    }
    return hash;
}

bool sameApartFrom(const std::vector<RuleInstance>& a, const std::vector<RuleInstance>& b,
                   const std::vector<SlotSource>& sources)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i) {
        const RuleInstance& x = a[i];
        const RuleInstance& y = b[i];
        if (x.action != y.action || x.direction != y.direction || x.priority != y.priority ||
            x.statematch != y.statematch || x.protocol != y.protocol || x.chain != y.chain ||
            x.chainPriority != y.chainPriority || x.origin != y.origin || x.attrs.size() != y.attrs.size())
            return false;
        for (size_t j = 0; j < x.attrs.size(); ++j) {
            const auto& p = x.attrs[j];
            const auto& q = y.attrs[j];
            if (p.id != q.id || p.negated != q.negated)
                return false;
            const bool looked = std::any_of(sources.begin(), sources.end(),
                                            [&](const SlotSource& s) { return s.rule == i && s.attr == p.id; });
            if (!looked && p.value != q.value)
                return false;
        }
    }
    return true;
}

std::vector<std::string> slotValuesOf(const std::vector<RuleInstance>& rules, const std::vector<SlotSource>& sources,
                                      const std::vector<SlotType>& slots)
{
    std::vector<std::string> values;
    values.reserve(sources.size());
    for (size_t i = 0; i < sources.size(); ++i) {
        const ResolvedAttr* attr = rules.at(sources[i].rule).get(sources[i].attr);
        if (!attr)
            throw BackendError("internal: a slot's attribute is missing");
        values.push_back(slots.at(i).type == DataType::Ether ? build::macBytes(attr->value.text)
                                                             : build::ipBytes(attr->value.text, slots[i].type == DataType::Ipv6));
    }
    return values;
}

} // namespace vnf::fw::nft
