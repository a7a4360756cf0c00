// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/netlink/refusals.hpp"

#include <algorithm>
#include <string_view>
#include <utility>

namespace vnf::fw::nl {

namespace {

// The longest common beginning of `places` that ends with a space (a whole
// word or more), or nothing.
std::string_view commonWords(const std::vector<const std::string*>& places)
{
    std::string_view common = *places.front();
    for (const std::string* place : places) {
        const auto differs = std::mismatch(common.begin(), common.end(), place->begin(), place->end()).first;
        common = common.substr(0, static_cast<std::size_t>(differs - common.begin()));
    }
    const std::size_t space = common.rfind(' ');
    return space == std::string_view::npos ? std::string_view{} : common.substr(0, space + 1);
}

std::string describeGroup(const std::string& reason, const std::vector<const std::string*>& places)
{
    const std::string_view prefix = places.size() > 1 ? commonWords(places) : std::string_view{};
    std::string text(prefix);
    const std::size_t shown = std::min(places.size(), kRefusedPlacesShown);
    for (std::size_t i = 0; i < shown; ++i) {
        if (i > 0)
            text += ", ";
        text += std::string_view(*places[i]).substr(prefix.size());
    }
    if (places.size() > shown)
        text += " and " + std::to_string(places.size() - shown) + " more";
    return text + ": " + reason;
}

} // namespace

std::string describeRefusals(const std::vector<Refused>& refusals)
{
    // Reasons in the order they first came, each with its places.
    std::vector<std::pair<const std::string*, std::vector<const std::string*>>> groups;
    for (const Refused& r : refusals) {
        auto group = groups.begin();
        while (group != groups.end() && *group->first != r.reason)
            ++group;
        if (group == groups.end())
            group = groups.insert(groups.end(), {&r.reason, {}});
        if (std::none_of(group->second.begin(), group->second.end(),
                         [&](const std::string* place) { return *place == r.place; }))
            group->second.push_back(&r.place);
    }
    std::string text;
    for (const auto& [reason, places] : groups) {
        if (!text.empty())
            text += "; ";
        text += describeGroup(*reason, places);
    }
    return text;
}

} // namespace vnf::fw::nl
