// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/nftables/model.hpp"

#include "firewall/nftables/script.hpp"

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
