// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/nftables/model.hpp"

#include "firewall/nftables/script.hpp"

#include <linux/netfilter_bridge.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace vnf::fw::nft {

const char* mapName(Dispatch dispatch)
{
    switch (dispatch) {
    case Dispatch::L2FromGuest: return "l2-from-guest";
    case Dispatch::L2ToGuest: return "l2-to-guest";
    case Dispatch::ForwardToGuest: return "forward-to-guest";
    case Dispatch::ForwardFromGuest: return "forward-from-guest";
    case Dispatch::HostFromGuest: return "host-from-guest";
    }
    return "";
}

bool keyedByOutput(Dispatch dispatch)
{
    return dispatch == Dispatch::L2ToGuest || dispatch == Dispatch::ForwardToGuest;
}

const std::vector<BaseChain>& baseChains()
{
    // libvirt's hooks: ebtables nat PREROUTING/POSTROUTING for layer 2,
    // FORWARD and INPUT (through br_netfilter) for layers 3 and 4. Layers
    // 3 and 4 at the bridge family's filter priority (-200), never at 0:
    // where br_netfilter is loaded (libvirt's own layout and Docker load
    // it), it takes IP packets out of the bridge's forward hook at -1 and
    // puts them back after priority 0, so a chain at 0 never sees them
    // (seen on Debian 12's 6.1: every layer-3/4 rule bypassed).
    static const std::vector<BaseChain> chains = {
        {"from-guest", "prerouting", NF_BR_PRE_ROUTING, -300},
        {"to-guest", "postrouting", NF_BR_POST_ROUTING, 300},
        {"forward", "forward", NF_BR_FORWARD, -200},
        {"host-input", "input", NF_BR_LOCAL_IN, -200},
    };
    return chains;
}

const char* baseChainOf(Dispatch dispatch)
{
    switch (dispatch) {
    case Dispatch::L2FromGuest: return "from-guest";
    case Dispatch::L2ToGuest: return "to-guest";
    case Dispatch::ForwardToGuest:  // looked up first, as libvirt's FORWARD jumps libvirt-out first
    case Dispatch::ForwardFromGuest: return "forward";
    case Dispatch::HostFromGuest: return "host-input";
    }
    return "";
}

std::string slotSetName(size_t slot, const SlotType& type)
{
    std::string name = "slot" + std::to_string(slot) + "-";
    const std::string& field = type.field;
    switch (type.type) {
    case DataType::Ether: name += "ether"; break;
    case DataType::Ipv4: name += "ipv4"; break;
    case DataType::Ipv6: name += "ipv6"; break;
    default: name += "type" + std::to_string(static_cast<uint32_t>(type.type)); break;
    }
    if (!field.empty() && field.front() == '@') {
        // "@nh,96,32" -> "-nh-96-32": the field's words, in a set name's letters.
        name += '-';
        for (char c : field.substr(1))
            name += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
    }
    return name;
}

std::string groupName(const Shape& shape)
{
    // FNV-1a: stable across runs and builds, so a restarted daemon and
    // `vnetfilterctl plan` name a shape as the running daemon does.
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (unsigned char c : shapeText(shape)) {
        hash ^= c;
        hash *= 0x100000001b3ULL;
    }
    std::string label;
    for (char c : shape.label.substr(0, 64))
        label += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-') ? c : '_';
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(hash ^ (hash >> 32)));
    return label + "-" + suffix;
}

std::set<std::string> joinableGroups(const std::map<std::string, size_t>& portsPerGroup)
{
    std::vector<std::pair<size_t, const std::string*>> bySize;
    for (const auto& [group, ports] : portsPerGroup)
        bySize.emplace_back(ports, &group);
    const size_t n = std::min(bySize.size(), kMaxJoinableGroups);
    std::partial_sort(bySize.begin(), bySize.begin() + static_cast<long>(n), bySize.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : *a.second < *b.second;
    });
    std::set<std::string> out;
    for (size_t i = 0; i < n; ++i)
        out.insert(*bySize[i].second);
    return out;
}

std::string ifnameKey(const std::string& port)
{
    std::string key = port.substr(0, 15);
    key.resize(16, '\0');
    return key;
}

std::string slotKey(const std::string& port, const std::string& value)
{
    std::string key = ifnameKey(port) + value;
    key.resize((key.size() + 3) / 4 * 4, '\0');
    return key;
}

} // namespace vnf::fw::nft
